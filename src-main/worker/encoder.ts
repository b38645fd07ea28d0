import { join } from 'node:path';
import ort from 'onnxruntime-node';
import type { ModelFolder } from '../engine/models/manifest.js';
import { loadClipTokenizer, type ClipTokenizer } from './tokenizer.js';

export interface EncoderOptions {
  /** Intra-op threads for onnxruntime; 0 lets it use every core. */
  threads?: number;
}

/**
 * The two CLIP towers of one model. Each session is created on first use, so a search that only
 * needs the text tower never loads the image tower. Outputs are L2-normalised here because
 * exports differ on whether they already are.
 */
export class ClipEncoder {
  private vision: Promise<ort.InferenceSession> | null = null;
  private text: Promise<ort.InferenceSession> | null = null;
  private tokenizer: ClipTokenizer | null = null;

  constructor(
    readonly model: ModelFolder,
    private readonly options: EncoderOptions = {},
  ) {}

  async encodeImages(tensors: readonly Float32Array[]): Promise<Float32Array[]> {
    if (tensors.length === 0) return [];
    const { manifest } = this.model;
    const size = manifest.imageSize;
    const plane = 3 * size * size;
    const batch = new Float32Array(plane * tensors.length);
    tensors.forEach((tensor, i) => batch.set(tensor, i * plane));
    const session = await (this.vision ??= this.createSession(manifest.vision.file));
    const outputs = await session.run({
      [manifest.vision.input]: new ort.Tensor('float32', batch, [tensors.length, 3, size, size]),
    });
    return this.rows(outputs[manifest.vision.output], tensors.length);
  }

  async encodeTexts(texts: readonly string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const { manifest } = this.model;
    this.tokenizer ??= loadClipTokenizer(join(this.model.dir, manifest.tokenizer.file), manifest.tokenizer);
    const length = this.tokenizer.contextLength;
    const ids = texts.flatMap((text) => this.tokenizer!.encodePadded(text));
    const input =
      manifest.text.inputType === 'int32'
        ? new ort.Tensor('int32', Int32Array.from(ids), [texts.length, length])
        : new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [texts.length, length]);
    const session = await (this.text ??= this.createSession(manifest.text.file));
    const outputs = await session.run({ [manifest.text.input]: input });
    return this.rows(outputs[manifest.text.output], texts.length);
  }

  async release(): Promise<void> {
    const sessions = await Promise.all([this.vision, this.text]);
    await Promise.all(sessions.map((session) => session?.release()));
    this.vision = this.text = null;
  }

  private createSession(file: string): Promise<ort.InferenceSession> {
    return ort.InferenceSession.create(join(this.model.dir, file), {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: this.options.threads ?? 0,
      interOpNumThreads: 1,
    });
  }

  private rows(output: ort.Tensor | undefined, count: number): Float32Array[] {
    const size = this.model.manifest.embeddingSize;
    if (!output || output.type !== 'float32' || output.data.length !== count * size) {
      throw new Error(`the model returned ${output?.dims.join('×') ?? 'nothing'}, expected ${count}×${size}`);
    }
    const data = output.data as Float32Array;
    return Array.from({ length: count }, (_, i) => normalise(data.slice(i * size, (i + 1) * size)));
  }
}

export function normalise(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const x of vector) sum += x * x;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i]! /= norm;
  return vector;
}
