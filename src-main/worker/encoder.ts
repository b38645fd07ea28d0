import { join } from 'node:path';
import ort from 'onnxruntime-node';
import type { ModelFolder } from '../shared/model-manifest.js';
import { normaliseVector } from '../shared/vector-math.js';
import { explainProviderFailure, providerCandidates } from './providers.js';
import { type DevicePreference, type ProviderReport } from '../shared/worker-protocol.js';
import { loadTextTokenizer, type TextTokenizer } from './text-tokenizer.js';

export interface EncoderOptions {
  /** Intra-op threads for onnxruntime on the CPU; 0 lets it use every core. */
  threads?: number;
  device?: DevicePreference;
}

interface Tower {
  session: ort.InferenceSession;
  provider: string;
}

/**
 * The two CLIP towers of one model. Each session is created on first use, so a search that only
 * needs the text tower never loads the image tower. Each tower takes the best execution provider
 * that can both create its session and complete a first run; a provider that fails either is
 * passed over (and reported) for the next. Outputs are L2-normalised here because exports differ
 * on whether they already are.
 */
export class ClipEncoder {
  private vision: Promise<Tower> | null = null;
  private text: Promise<Tower> | null = null;
  private tokenizer: TextTokenizer | null = null;
  private readonly fallbacks: ProviderReport['fallbacks'] = [];
  private provider: string | null = null;

  constructor(
    readonly model: ModelFolder,
    private readonly options: EncoderOptions = {},
  ) {}

  /** The provider running the model (null before the first tower is loaded). */
  report(): ProviderReport | null {
    return this.provider ? { provider: this.provider, fallbacks: [...this.fallbacks] } : null;
  }

  async encodeImages(tensors: readonly Float32Array[]): Promise<Float32Array[]> {
    if (tensors.length === 0) return [];
    const { manifest } = this.model;
    const size = manifest.imageSize;
    const plane = 3 * size * size;
    const batch = new Float32Array(plane * tensors.length);
    tensors.forEach((tensor, i) => batch.set(tensor, i * plane));
    const feeds = (count: number, data: Float32Array) => ({
      [manifest.vision.input]: new ort.Tensor('float32', data, [count, 3, size, size]),
    });
    const tower = await (this.vision ??= this.loadTower(manifest.vision.file, feeds(1, new Float32Array(plane))));
    const outputs = await tower.session.run(feeds(tensors.length, batch));
    return this.rows(outputs[manifest.vision.output], tensors.length);
  }

  async encodeTexts(texts: readonly string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const { manifest } = this.model;
    this.tokenizer ??= loadTextTokenizer(this.model.dir, manifest.tokenizer);
    const tokenizer = this.tokenizer;
    const feeds = (batch: string[]) => {
      const tokens = batch.map((text) => tokenizer.tokenize(text));
      const shape = [batch.length, tokenizer.contextLength];
      const tensor = (values: number[]) =>
        manifest.text.inputType === 'int32'
          ? new ort.Tensor('int32', Int32Array.from(values), shape)
          : new ort.Tensor('int64', BigInt64Array.from(values, BigInt), shape);
      const result: Record<string, ort.Tensor> = { [manifest.text.input]: tensor(tokens.flatMap((t) => t.ids)) };
      if (manifest.text.attentionMask)
        result[manifest.text.attentionMask] = tensor(tokens.flatMap((t) => t.attentionMask));
      return result;
    };
    const tower = await (this.text ??= this.loadTower(manifest.text.file, feeds([''])));
    const outputs = await tower.session.run(feeds([...texts]));
    return this.rows(outputs[manifest.text.output], texts.length);
  }

  async release(): Promise<void> {
    const towers = await Promise.allSettled([this.vision, this.text]);
    for (const tower of towers) if (tower.status === 'fulfilled' && tower.value) await tower.value.session.release();
    this.vision = this.text = null;
  }

  private async loadTower(file: string, warmUp: Record<string, ort.Tensor>): Promise<Tower> {
    const candidates = providerCandidates(this.options.device ?? 'auto');
    // Once a provider has failed for one tower, the other tower does not try it again.
    const untried = candidates.filter((provider) => !this.fallbacks.some((f) => f.provider === provider));
    for (const provider of untried) {
      let session: ort.InferenceSession | null = null;
      try {
        session = await ort.InferenceSession.create(join(this.model.dir, file), {
          executionProviders: [provider],
          graphOptimizationLevel: 'all',
          intraOpNumThreads: this.options.threads ?? 0,
          interOpNumThreads: 1,
        });
        await session.run(warmUp);
        this.provider = provider;
        return { session, provider };
      } catch (error) {
        await session?.release().catch(() => undefined);
        if (provider === 'cpu') throw error;
        this.fallbacks.push({ provider, reason: explainProviderFailure(provider, firstLine(error)) });
      }
    }
    throw new Error('no execution provider could run the model');
  }

  private rows(output: ort.Tensor | undefined, count: number): Float32Array[] {
    const size = this.model.manifest.embeddingSize;
    if (!output || output.type !== 'float32' || output.data.length !== count * size) {
      throw new Error(`the model returned ${output?.dims.join('×') ?? 'nothing'}, expected ${count}×${size}`);
    }
    const data = output.data as Float32Array;
    return Array.from({ length: count }, (_, i) => normaliseVector(data.slice(i * size, (i + 1) * size)));
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.slice(0, 300);
}
