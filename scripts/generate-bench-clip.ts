import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type onnxProto from 'onnx-proto';
import { encodeModel, float, floatTensor, int64Tensor, type Attribute, type NodeSpec } from './onnx-graph.js';
import { seededRandom } from './seeded-random.js';

/**
 * Writes a CLIP with OpenAI ViT-B/32's exact architecture and seeded random weights, for speed
 * benchmarks: the real weights cannot be downloaded everywhere the benchmark runs, and the time a
 * graph takes depends on its shapes and ops, not on what its weights have learnt. Its embeddings
 * mean nothing. The graphs follow a Hugging Face CLIPModel ONNX export (separate q/k/v projections,
 * MatMul + Add linears, QuickGELU spelled out so onnxruntime fuses it as it does for the real
 * export), and weights use CLIP's initialisation scales so activations stay in a realistic range.
 * Deterministic: the same bytes on every run.
 *
 *   node dist/scripts/generate-bench-clip.js <outDir> <path to bpe_simple_vocab_16e6.txt.gz>
 */
export const BENCH_CLIP_ID = 'bench-clip-vit-b32-random';
const TOKENIZER_FILE = 'bpe_simple_vocab_16e6.txt.gz';
const EMBEDDING_SIZE = 512;
const IMAGE_SIZE = 224;
const PATCH_SIZE = 32;
const CONTEXT_LENGTH = 77;
const VOCAB_SIZE = 49408;
const HEAD_SIZE = 64;
const MEAN = [0.48145466, 0.4578275, 0.40821073];
const STD = [0.26862954, 0.26130258, 0.27577711];
const LAYER_NORM_EPSILON = 1e-5;
const QUICK_GELU_SCALE = 1.702;
const OPSET = 17;
const FLOAT32_LOWEST = -3.4028234663852886e38;
const SEED = 20250611;

interface Tower {
  width: number;
  layers: number;
  heads: number;
}

const VISION: Tower = { width: 768, layers: 12, heads: 12 };
const TEXT: Tower = { width: 512, layers: 12, heads: 8 };

export interface BenchClipSummary {
  visionParameters: number;
  textParameters: number;
}

/** Nodes and initializers of one tower, with fresh names for intermediate values. */
class Graph {
  readonly nodes: NodeSpec[] = [];
  readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  /** Learnt values only: shape constants and the causal mask are not parameters. */
  parameters = 0;
  private readonly constants = new Set<string>();
  private counter = 0;

  add(op: string, inputs: string[], attributes?: Record<string, Attribute>, output?: string): string {
    const name = output ?? `${op.toLowerCase()}_${this.counter++}`;
    this.nodes.push({ op, inputs, outputs: [name], attributes });
    return name;
  }

  /** Seeded from the name, so a tensor's values do not depend on what was generated before it. */
  normal(name: string, dims: number[], std: number): string {
    return this.parameter(name, dims, (values) => fillNormal(values, std, SEED ^ hash(name)));
  }

  filled(name: string, dims: number[], value: number): string {
    return this.parameter(name, dims, (values) => values.fill(value));
  }

  /**
   * Written once and shared by every node that names it (shapes, scales, indices repeat across
   * layers): onnxruntime treats a duplicated initializer as a graph input and stops folding it.
   */
  constant(name: string, make: () => onnxProto.onnx.ITensorProto): string {
    if (!this.constants.has(name)) {
      this.constants.add(name);
      this.initializers.push(make());
    }
    return name;
  }

  int64s(name: string, dims: number[], values: number[]): string {
    return this.constant(name, () => int64Tensor(name, dims, values));
  }

  scalar(name: string, value: number): string {
    return this.constant(name, () => floatTensor(name, [], Float32Array.of(value)));
  }

  private parameter(name: string, dims: number[], fill: (values: Float32Array) => void): string {
    const values = new Float32Array(dims.reduce((a, b) => a * b, 1));
    fill(values);
    this.parameters += values.length;
    this.initializers.push(floatTensor(name, dims, values));
    return name;
  }
}

/** FNV-1a, to give every tensor its own seed. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Box–Muller, both outputs used: half the uniforms and logarithms of the one-output form. */
function fillNormal(values: Float32Array, std: number, seed: number): void {
  const random = seededRandom(seed);
  for (let i = 0; i < values.length; i += 2) {
    const radius = std * Math.sqrt(-2 * Math.log(1 - random()));
    const angle = 2 * Math.PI * random();
    values[i] = radius * Math.cos(angle);
    if (i + 1 < values.length) values[i + 1] = radius * Math.sin(angle);
  }
}

/** Weights stored [in, out] for MatMul, as exporters write them. */
function linear(g: Graph, x: string, name: string, inSize: number, outSize: number, std: number, bias = true): string {
  const y = g.add('MatMul', [x, g.normal(`${name}.weight`, [inSize, outSize], std)]);
  // Real biases are not zero, and an Add of zeros is something a graph optimiser may remove.
  return bias ? g.add('Add', [y, g.normal(`${name}.bias`, [outSize], 0.01)]) : y;
}

function layerNorm(g: Graph, x: string, name: string, width: number): string {
  const scale = g.filled(`${name}.weight`, [width], 1);
  const bias = g.filled(`${name}.bias`, [width], 0);
  return g.add('LayerNormalization', [x, scale, bias], { axis: -1, epsilon: float(LAYER_NORM_EPSILON) });
}

/** [N, T, width] → [N, heads, T, 64], or [N, heads, 64, T] for the keys so Q·Kᵀ is one MatMul. */
function splitHeads(g: Graph, x: string, tower: Tower, transposed: boolean): string {
  const shape = g.int64s(`shape_heads_${tower.heads}`, [4], [0, 0, tower.heads, HEAD_SIZE]);
  return g.add('Transpose', [g.add('Reshape', [x, shape])], { perm: transposed ? [0, 2, 3, 1] : [0, 2, 1, 3] });
}

function attention(g: Graph, x: string, name: string, tower: Tower, mask: string | undefined): string {
  const { width } = tower;
  const attnStd = width ** -0.5;
  const projStd = width ** -0.5 * (2 * tower.layers) ** -0.5;
  // As CLIP does: scale the queries, not the T×T scores.
  const scale = g.scalar('attention_scale', HEAD_SIZE ** -0.5);
  const q = g.add('Mul', [linear(g, x, `${name}.q_proj`, width, width, attnStd), scale]);
  const k = linear(g, x, `${name}.k_proj`, width, width, attnStd);
  const v = linear(g, x, `${name}.v_proj`, width, width, attnStd);
  let scores = g.add('MatMul', [splitHeads(g, q, tower, false), splitHeads(g, k, tower, true)]);
  if (mask) scores = g.add('Add', [scores, mask]);
  const probabilities = g.add('Softmax', [scores], { axis: -1 });
  const heads = g.add('MatMul', [probabilities, splitHeads(g, v, tower, false)]);
  const merged = g.add('Reshape', [
    g.add('Transpose', [heads], { perm: [0, 2, 1, 3] }),
    g.int64s(`shape_merge_${width}`, [3], [0, 0, width]),
  ]);
  return linear(g, merged, `${name}.out_proj`, width, width, projStd);
}

/** Linear → QuickGELU (x·σ(1.702x), what OpenAI trained with) → linear. */
function mlp(g: Graph, x: string, name: string, tower: Tower): string {
  const { width } = tower;
  const hidden = linear(g, x, `${name}.fc1`, width, 4 * width, (2 * width) ** -0.5);
  const gate = g.add('Sigmoid', [g.add('Mul', [hidden, g.scalar('quick_gelu_scale', QUICK_GELU_SCALE)])]);
  const activated = g.add('Mul', [hidden, gate]);
  return linear(g, activated, `${name}.fc2`, 4 * width, width, width ** -0.5 * (2 * tower.layers) ** -0.5);
}

/** Pre-norm residual block. */
function block(g: Graph, x: string, name: string, tower: Tower, mask: string | undefined): string {
  const attended = g.add('Add', [
    x,
    attention(g, layerNorm(g, x, `${name}.layer_norm1`, tower.width), `${name}.self_attn`, tower, mask),
  ]);
  return g.add('Add', [
    attended,
    mlp(g, layerNorm(g, attended, `${name}.layer_norm2`, tower.width), `${name}.mlp`, tower),
  ]);
}

function transformer(g: Graph, x: string, name: string, tower: Tower, mask?: string): string {
  for (let layer = 0; layer < tower.layers; layer++) x = block(g, x, `${name}.layers.${layer}`, tower, mask);
  return x;
}

function visionModel(): { bytes: Uint8Array; parameters: number } {
  const g = new Graph();
  const { width } = VISION;
  const grid = IMAGE_SIZE / PATCH_SIZE;
  const scale = width ** -0.5;
  const patchWeight = g.normal(
    'vision.patch_embedding.weight',
    [width, 3, PATCH_SIZE, PATCH_SIZE],
    (3 * PATCH_SIZE ** 2) ** -0.5,
  );
  const patches = g.add('Conv', ['pixel_values', patchWeight], {
    kernel_shape: [PATCH_SIZE, PATCH_SIZE],
    strides: [PATCH_SIZE, PATCH_SIZE],
  });
  const tokens = g.add('Transpose', [g.add('Reshape', [patches, g.int64s('shape_patches', [3], [0, width, -1])])], {
    perm: [0, 2, 1],
  });
  // The class token is one learnt vector, repeated for every image of the batch.
  const batch = g.add('Shape', [tokens], { start: 0, end: 1 });
  const classShape = g.add('Concat', [batch, g.int64s('shape_class_tail', [2], [1, width])], { axis: 0 });
  const classToken = g.add('Expand', [g.normal('vision.class_embedding', [1, 1, width], scale), classShape]);
  const embedded = g.add('Add', [
    g.add('Concat', [classToken, tokens], { axis: 1 }),
    g.normal('vision.position_embedding', [grid * grid + 1, width], scale),
  ]);
  const encoded = transformer(g, layerNorm(g, embedded, 'vision.pre_layrnorm', width), 'vision.encoder', VISION);
  const classOut = g.add('Gather', [encoded, g.int64s('index_zero', [], [0])], { axis: 1 });
  const pooled = layerNorm(g, classOut, 'vision.post_layernorm', width);
  g.add('MatMul', [pooled, g.normal('visual_projection', [width, EMBEDDING_SIZE], scale)], undefined, 'image_embeds');
  const bytes = encodeModel({
    name: 'bench_clip_vision',
    opset: OPSET,
    docString: 'Shoebox benchmark CLIP vision tower: ViT-B/32 architecture, random weights.',
    inputs: [{ name: 'pixel_values', type: 'float32', shape: ['batch', 3, IMAGE_SIZE, IMAGE_SIZE] }],
    outputs: [{ name: 'image_embeds', type: 'float32', shape: ['batch', EMBEDDING_SIZE] }],
    initializers: g.initializers,
    nodes: g.nodes,
  });
  return { bytes, parameters: g.parameters };
}

/** 0 on and below the diagonal, the lowest float above it (as Hugging Face does): token i sees 0…i. */
function causalMask(length: number): Float32Array {
  const mask = new Float32Array(length * length);
  for (let i = 0; i < length; i++) mask.fill(FLOAT32_LOWEST, i * length + i + 1, (i + 1) * length);
  return mask;
}

function textModel(): { bytes: Uint8Array; parameters: number } {
  const g = new Graph();
  const { width } = TEXT;
  const tokens = g.add('Gather', [g.normal('text.token_embedding', [VOCAB_SIZE, width], 0.02), 'input_ids'], {
    axis: 0,
  });
  const embedded = g.add('Add', [tokens, g.normal('text.position_embedding', [CONTEXT_LENGTH, width], 0.01)]);
  const mask = g.constant('causal_mask', () =>
    floatTensor('causal_mask', [CONTEXT_LENGTH, CONTEXT_LENGTH], causalMask(CONTEXT_LENGTH)),
  );
  const encoded = layerNorm(g, transformer(g, embedded, 'text.encoder', TEXT, mask), 'text.final_layer_norm', width);
  // CLIP reads the end-of-text token's features; its id (49407) is the largest, so argmax finds it.
  // The Cast is the exporters' too: ArgMax over int64 is not implemented everywhere.
  const ids = g.add('Cast', ['input_ids'], { to: 6 /* INT32 */ });
  const end = g.add('ArgMax', [ids], { axis: 1, keepdims: 1 });
  const pooled = g.add('GatherND', [encoded, end], { batch_dims: 1 });
  g.add(
    'MatMul',
    [pooled, g.normal('text_projection', [width, EMBEDDING_SIZE], width ** -0.5)],
    undefined,
    'text_embeds',
  );
  const bytes = encodeModel({
    name: 'bench_clip_text',
    opset: OPSET,
    docString: 'Shoebox benchmark CLIP text tower: ViT-B/32 architecture, random weights.',
    inputs: [{ name: 'input_ids', type: 'int64', shape: ['batch', CONTEXT_LENGTH] }],
    outputs: [{ name: 'text_embeds', type: 'float32', shape: ['batch', EMBEDDING_SIZE] }],
    initializers: g.initializers,
    nodes: g.nodes,
  });
  return { bytes, parameters: g.parameters };
}

function manifest(): string {
  return JSON.stringify(
    {
      id: BENCH_CLIP_ID,
      name: 'Random-weight CLIP ViT-B/32 (benchmark only)',
      test: true,
      description: 'OpenAI CLIP ViT-B/32 architecture with seeded random weights, for speed benchmarks only.',
      embeddingSize: EMBEDDING_SIZE,
      imageSize: IMAGE_SIZE,
      mean: MEAN,
      std: STD,
      logitScale: 100,
      tokenizer: { file: TOKENIZER_FILE, contextLength: CONTEXT_LENGTH, padId: 0 },
      vision: { file: 'vision_model.onnx', input: 'pixel_values', output: 'image_embeds' },
      text: { file: 'text_model.onnx', input: 'input_ids', inputType: 'int64', output: 'text_embeds' },
    },
    null,
    2,
  );
}

/** One tower at a time: each holds its weights twice (arrays and encoded bytes) until written. */
function writeTower(path: string, build: () => { bytes: Uint8Array; parameters: number }): number {
  const { bytes, parameters } = build();
  writeFileSync(path, bytes);
  return parameters;
}

/**
 * `mergesFile` is CLIP's `bpe_simple_vocab_16e6.txt.gz`, copied beside the towers. The manifest is
 * written last, so a folder that has one is complete.
 */
export function generateBenchClip(outDir: string, mergesFile: string): BenchClipSummary {
  if (!existsSync(mergesFile)) throw new Error(`No CLIP merges file at ${mergesFile}`);
  mkdirSync(outDir, { recursive: true });
  // Not copyFileSync: it keeps the source's mode, and a read-only copy could not be overwritten next time.
  writeFileSync(join(outDir, TOKENIZER_FILE), readFileSync(mergesFile));
  const visionParameters = writeTower(join(outDir, 'vision_model.onnx'), visionModel);
  const textParameters = writeTower(join(outDir, 'text_model.onnx'), textModel);
  writeFileSync(join(outDir, 'manifest.json'), manifest() + '\n');
  return { visionParameters, textParameters };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [outDir, mergesFile] = process.argv.slice(2);
  if (!outDir || !mergesFile) {
    console.error('Usage: node dist/scripts/generate-bench-clip.js <outDir> <bpe_simple_vocab_16e6.txt.gz>');
    process.exit(1);
  }
  const started = performance.now();
  const { visionParameters, textParameters } = generateBenchClip(resolve(outDir), resolve(mergesFile));
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `Benchmark CLIP written to ${resolve(outDir)} in ${seconds} s: ` +
      `${visionParameters} vision and ${textParameters} text parameters`,
  );
}
