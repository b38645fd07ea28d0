import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { DevicePreference } from '../shared/worker-protocol.js';

/**
 * onnxruntime execution providers to try, best first, CPU always last. CUDA only when its provider
 * library was installed (`npm install --onnxruntime-node-install=cuda12`); DirectML on Windows and
 * CoreML on macOS ship with onnxruntime-node; WebGPU (bundled since 1.30) is the cross-vendor GPU
 * path everywhere.
 */
export function providerCandidates(
  preference: DevicePreference,
  platform: NodeJS.Platform = process.platform,
  cudaInstalled: boolean = cudaProviderInstalled(),
): string[] {
  if (preference === 'cpu') return ['cpu'];
  const gpu: string[] = [];
  if (cudaInstalled && (platform === 'linux' || platform === 'win32')) gpu.push('cuda');
  if (platform === 'win32') gpu.push('dml');
  if (platform === 'darwin') gpu.push('coreml');
  gpu.push('webgpu');
  return [...gpu, 'cpu'];
}

export function cudaProviderInstalled(): boolean {
  try {
    const require = createRequire(import.meta.url);
    const packageRoot = dirname(require.resolve('onnxruntime-node/package.json'));
    const library =
      process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    return existsSync(join(packageRoot, 'bin', 'napi-v6', process.platform, process.arch, library));
  } catch {
    return false;
  }
}

const PROVIDER_NAMES: Record<string, string> = {
  cuda: 'CUDA',
  dml: 'DirectML',
  coreml: 'CoreML',
  webgpu: 'WebGPU',
  cpu: 'the CPU',
};

export function providerName(provider: string): string {
  return PROVIDER_NAMES[provider] ?? provider;
}

/** onnxruntime's reasons are source locations and internals; this says what they mean. */
export function explainProviderFailure(provider: string, message: string): string {
  if (/adapter/i.test(message)) return 'no GPU adapter was found (no supported GPU or driver)';
  if (/Failed to load (shared )?library|cannot open shared object/i.test(message))
    return 'its libraries are not installed';
  if (/backend not found|not available/i.test(message))
    return `${providerName(provider)} is not available on this system`;
  const cleaned = message
    .replace(/\/\S*onnxruntime_src\/\S+:\d+\s*/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return cleaned.length > 120 ? `${cleaned.slice(0, 117)}…` : cleaned;
}
