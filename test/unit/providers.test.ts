import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadModelFolder } from '../../src-main/engine/models/manifest.js';
import { ClipEncoder } from '../../src-main/worker/encoder.js';
import { explainProviderFailure, providerCandidates } from '../../src-main/worker/providers.js';
import { TOY_MODEL_DIR } from '../helpers/env.js';

test('each platform tries its GPU providers first and the CPU last', () => {
  assert.deepEqual(providerCandidates('auto', 'linux', false), ['webgpu', 'cpu']);
  assert.deepEqual(providerCandidates('gpu', 'linux', true), ['cuda', 'webgpu', 'cpu']);
  assert.deepEqual(providerCandidates('auto', 'win32', true), ['cuda', 'dml', 'webgpu', 'cpu']);
  assert.deepEqual(providerCandidates('auto', 'darwin', false), ['coreml', 'webgpu', 'cpu']);
  assert.deepEqual(providerCandidates('cpu', 'win32', true), ['cpu']);
});

test('a provider that cannot run the model is passed over, with its reason, for the next', async () => {
  const encoder = new ClipEncoder(loadModelFolder(TOY_MODEL_DIR), { device: 'gpu', threads: 1 });
  const [vector] = await encoder.encodeTexts(['red']);
  assert.equal(vector!.length, 32);
  const report = encoder.report()!;
  const candidates = providerCandidates('gpu');
  assert.ok(candidates.includes(report.provider));
  // Every provider before the one in use was tried and failed, with a reason.
  assert.deepEqual(
    report.fallbacks.map((f) => f.provider),
    candidates.slice(0, candidates.indexOf(report.provider)),
  );
  for (const fallback of report.fallbacks) assert.ok(fallback.reason.length > 0);
  await encoder.release();
});

test('the CPU setting runs the model on the CPU without trying a GPU', async () => {
  const encoder = new ClipEncoder(loadModelFolder(TOY_MODEL_DIR), { device: 'cpu', threads: 1 });
  await encoder.encodeTexts(['blue']);
  assert.deepEqual(encoder.report(), { provider: 'cpu', fallbacks: [] });
  await encoder.release();
});

test("onnxruntime's provider failures are told in words, not source locations", () => {
  const webgpu =
    '/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(const onnxruntime::webgpu::WebGpuContextConfig&)::<lambda()> adapter_result.stat';
  assert.equal(explainProviderFailure('webgpu', webgpu), 'no GPU adapter was found (no supported GPU or driver)');
  assert.equal(
    explainProviderFailure('cuda', 'OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library'),
    'its libraries are not installed',
  );
  assert.equal(
    explainProviderFailure('dml', 'no available backend found. ERR: [dml] backend not found.'),
    'DirectML is not available on this system',
  );
});
