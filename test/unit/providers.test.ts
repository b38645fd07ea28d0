import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import ort from 'onnxruntime-node';
import { loadModelFolder } from '../../src-main/shared/model-manifest.js';
import { ClipEncoder } from '../../src-main/worker/encoder.js';
import { explainProviderFailure, providerCandidates } from '../../src-main/worker/providers.js';
import { TOY_MODEL_DIR } from '../helpers/env.js';

const TOY = loadModelFolder(TOY_MODEL_DIR);
const IMAGE = new Float32Array(3 * TOY.manifest.imageSize * TOY.manifest.imageSize);

/** What onnxruntime 1.30 says on a machine without a GPU adapter (its first line, as seen on a CPU-only Linux). */
const NO_ADAPTER =
  '/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(const onnxruntime::webgpu::WebGpuContextConfig&)::<lambda()> adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters';
const NO_LIBRARY = 'OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library';

type Create = typeof ort.InferenceSession.create;
type Options = ort.InferenceSession.SessionOptions | undefined;

/**
 * Puts a stand-in for onnxruntime's session factory in place for one test: `fake` sees each call's
 * provider and either answers (a session, or a rejection) or returns null to let onnxruntime
 * create the session for real. Every call's provider is recorded, in order.
 */
function interceptSessions(
  t: TestContext,
  fake: (
    provider: string,
    real: (options: Options) => Promise<ort.InferenceSession>,
  ) => Promise<ort.InferenceSession> | null,
): string[] {
  const original = ort.InferenceSession.create;
  // The encoder creates sessions from a model path: the one overload the stand-in serves.
  const fromPath = original as (path: string, options?: Options) => Promise<ort.InferenceSession>;
  const calls: string[] = [];
  t.after(() => {
    ort.InferenceSession.create = original;
  });
  ort.InferenceSession.create = ((path: string, options: Options) => {
    const provider = String(options?.executionProviders?.[0]);
    calls.push(provider);
    const real = (with_: Options) => fromPath.call(ort.InferenceSession, path, with_);
    return fake(provider, real) ?? real(options);
  }) as Create;
  return calls;
}

/** Whether onnxruntime itself can make a session on `provider` here, and its error if not. */
async function probe(provider: string): Promise<{ ok: true } | { ok: false; message: string }> {
  try {
    const session = await ort.InferenceSession.create(join(TOY.dir, TOY.manifest.text.file), {
      executionProviders: [provider],
    });
    await session.release();
    return { ok: true };
  } catch (error) {
    return {
      ok: false,
      message: (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 300),
    };
  }
}

test('each platform tries its GPU providers first and the CPU last', () => {
  assert.deepEqual(providerCandidates('auto', 'linux', false), ['webgpu', 'cpu']);
  assert.deepEqual(providerCandidates('gpu', 'linux', true), ['cuda', 'webgpu', 'cpu']);
  assert.deepEqual(providerCandidates('auto', 'win32', true), ['cuda', 'dml', 'webgpu', 'cpu']);
  assert.deepEqual(providerCandidates('auto', 'darwin', false), ['coreml', 'webgpu', 'cpu']);
  assert.deepEqual(providerCandidates('cpu', 'win32', true), ['cpu']);
});

test('on this machine, every GPU provider onnxruntime cannot start is passed over with its reason, in order', async (t) => {
  const candidates = providerCandidates('gpu');
  const probes = new Map<string, Awaited<ReturnType<typeof probe>>>();
  for (const provider of candidates) probes.set(provider, await probe(provider));
  const failing = candidates.filter((provider) => !probes.get(provider)!.ok);
  t.diagnostic(`candidates ${candidates.join(', ')}; onnxruntime cannot start: ${failing.join(', ') || 'none'}`);

  const encoder = new ClipEncoder(TOY, { device: 'gpu', threads: 1 });
  t.after(() => encoder.release());
  const [vector] = await encoder.encodeTexts(['red']);
  assert.equal(vector!.length, 32);
  const report = encoder.report()!;
  // The one used is a candidate, and exactly the candidates before it were tried and failed.
  const used = candidates.indexOf(report.provider);
  assert.ok(used >= 0, `${report.provider} is one of ${candidates.join(', ')}`);
  assert.deepEqual(
    report.fallbacks.map((f) => f.provider),
    candidates.slice(0, used),
  );
  // A provider onnxruntime cannot start here is never the one used, and its failure is explained
  // in the report as onnxruntime gave it (on a machine with no GPU: WebGPU, "no GPU adapter").
  for (const provider of failing) {
    const probed = probes.get(provider)!;
    assert.ok(!probed.ok);
    assert.notEqual(report.provider, provider);
    assert.deepEqual(
      report.fallbacks.find((f) => f.provider === provider),
      { provider, reason: explainProviderFailure(provider, probed.message) },
      `${provider} failed here with: ${probed.message}`,
    );
  }
  for (const fallback of report.fallbacks) assert.ok(fallback.reason.length > 0, fallback.provider);
});

test('with every GPU provider failing to start, the model runs on the CPU and the report names each with its reason', async (t) => {
  const gpus = providerCandidates('gpu').filter((provider) => provider !== 'cpu');
  assert.ok(gpus.includes('webgpu'), 'WebGPU is tried on every platform');
  const calls = interceptSessions(t, (provider) =>
    provider === 'cpu' ? null : Promise.reject(new Error(provider === 'webgpu' ? NO_ADAPTER : NO_LIBRARY)),
  );
  const encoder = new ClipEncoder(TOY, { device: 'gpu', threads: 1 });
  t.after(() => encoder.release());
  await encoder.encodeTexts(['red']);
  await encoder.encodeImages([IMAGE]);
  assert.deepEqual(encoder.report(), {
    provider: 'cpu',
    fallbacks: gpus.map((provider) => ({
      provider,
      reason:
        provider === 'webgpu'
          ? 'no GPU adapter was found (no supported GPU or driver)'
          : 'its libraries are not installed',
    })),
  });
  // The text tower tried every GPU, then the CPU; the image tower went straight to the CPU.
  assert.deepEqual(calls, [...gpus, 'cpu', 'cpu']);
});

test('a provider whose session starts but whose first run fails is released and passed over', async (t) => {
  let released = 0;
  interceptSessions(t, (provider, real) => {
    if (provider !== 'webgpu') return provider === 'cpu' ? null : Promise.reject(new Error(NO_LIBRARY));
    // A real session (on the CPU) whose first run fails, as a GPU whose driver gives up does.
    return real({ executionProviders: ['cpu'] }).then((session) => {
      session.run = () => Promise.reject(new Error('WebGPU device was lost'));
      const release = session.release.bind(session);
      session.release = () => {
        released++;
        return release();
      };
      return session;
    });
  });
  const encoder = new ClipEncoder(TOY, { device: 'gpu', threads: 1 });
  t.after(() => encoder.release());
  const [vector] = await encoder.encodeTexts(['blue']);
  assert.equal(vector!.length, 32);
  const report = encoder.report()!;
  assert.equal(report.provider, 'cpu');
  assert.deepEqual(
    report.fallbacks.find((f) => f.provider === 'webgpu'),
    { provider: 'webgpu', reason: 'WebGPU device was lost' },
  );
  assert.equal(released, 1, 'the session that failed its first run is released');
});

test('the CPU setting runs the model on the CPU without trying a GPU', async (t) => {
  const calls = interceptSessions(t, () => null);
  const encoder = new ClipEncoder(TOY, { device: 'cpu', threads: 1 });
  t.after(() => encoder.release());
  await encoder.encodeTexts(['blue']);
  assert.deepEqual(encoder.report(), { provider: 'cpu', fallbacks: [] });
  assert.deepEqual(calls, ['cpu']);
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
