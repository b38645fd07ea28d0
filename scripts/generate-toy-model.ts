import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { encodeModel, floatTensor, int64Tensor } from './onnx-graph.js';
import { TOY_COLOURS, TOY_COLOUR_NAMES, TOY_WORDS } from './toy-palette.js';
import { bytesToUnicode, vocabFromMerges } from '../src-main/worker/tokenizer.js';
import { seededRandom } from './seeded-random.js';

/**
 * Writes the toy CLIP model: the input/output contract of a Hugging Face CLIP ONNX export, with a
 * semantics small enough to assert on: colour words match photos whose dominant colour they name.
 * Deterministic: the same bytes on every run (a test checks the committed copy).
 *
 * Vision tower: undo CLIP normalisation, average-pool 8×8, softly assign each pooled pixel to its
 * nearest palette colour, average the assignments into a colour histogram, project the histogram on
 * one direction per colour, L2-normalise. Text tower: sum per-token embeddings (a colour word's
 * token maps to its colour's direction; the start token to a small neutral direction so a query
 * without colour words is still a unit vector), L2-normalise.
 */
const EMBEDDING_SIZE = 32;
const IMAGE_SIZE = 224;
const CONTEXT_LENGTH = 77;
const POOL = 8;
const TEMPERATURE = 40;
const START_TOKEN_WEIGHT = 0.05;
const MEAN = [0.48145466, 0.4578275, 0.40821073];
const STD = [0.26862954, 0.26130258, 0.27577711];
const OPSET = 17;

/** Rows of a random orthonormal basis, so embeddings look dense like a real model's. */
function orthonormalRows(count: number, size: number, seed: number): Float64Array[] {
  const random = seededRandom(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const rows: Float64Array[] = [];
  while (rows.length < count) {
    const v = Float64Array.from({ length: size }, gaussian);
    for (const row of rows) {
      let dot = 0;
      for (let i = 0; i < size; i++) dot += v[i]! * row[i]!;
      for (let i = 0; i < size; i++) v[i]! -= dot * row[i]!;
    }
    const norm = Math.hypot(...v);
    for (let i = 0; i < size; i++) v[i]! /= norm;
    rows.push(v);
  }
  return rows;
}

/** Learns BPE merges for the toy words, so encoding reproduces one token per word. */
function trainMerges(words: string[]): [string, string][] {
  const byteSymbol = bytesToUnicode();
  let segmented = words.map((word) => {
    const symbols = Array.from(Buffer.from(word, 'utf8'), (b) => byteSymbol[b]!);
    symbols[symbols.length - 1] += '</w>';
    return symbols;
  });
  const merges: [string, string][] = [];
  for (;;) {
    const counts = new Map<string, number>();
    for (const word of segmented) {
      for (let i = 0; i < word.length - 1; i++) {
        const key = word[i] + ' ' + word[i + 1];
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    if (counts.size === 0) return merges;
    const [bestKey] = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]!;
    const [first, second] = bestKey.split(' ') as [string, string];
    merges.push([first, second]);
    segmented = segmented.map((word) => {
      const next: string[] = [];
      for (let i = 0; i < word.length; i++) {
        if (word[i] === first && word[i + 1] === second) {
          next.push(first + second);
          i++;
        } else next.push(word[i]!);
      }
      return next;
    });
  }
}

function visionModel(directions: Float64Array[]): Uint8Array {
  const colours = TOY_COLOUR_NAMES.map((name) => TOY_COLOURS[name].map((c) => c / 255));
  const k = colours.length;
  // logit_k = T (2 c_k·p - |c_k|²) with p = x·std + mean, folded into a 1×1 convolution over x.
  const weights = new Float32Array(k * 3);
  const bias = new Float32Array(k);
  colours.forEach((c, i) => {
    let constant = 0;
    for (let ch = 0; ch < 3; ch++) {
      weights[i * 3 + ch] = 2 * TEMPERATURE * c[ch]! * STD[ch]!;
      constant += 2 * c[ch]! * MEAN[ch]! - c[ch]! * c[ch]!;
    }
    bias[i] = TEMPERATURE * constant;
  });
  const projection = new Float32Array(k * EMBEDDING_SIZE);
  for (let i = 0; i < k; i++) projection.set(directions[i]!, i * EMBEDDING_SIZE);
  return encodeModel({
    name: 'toy_clip_vision',
    opset: OPSET,
    docString: 'Shoebox toy CLIP vision tower (test model: dominant colour).',
    inputs: [{ name: 'pixel_values', type: 'float32', shape: ['batch', 3, IMAGE_SIZE, IMAGE_SIZE] }],
    outputs: [{ name: 'image_embeds', type: 'float32', shape: ['batch', EMBEDDING_SIZE] }],
    initializers: [
      floatTensor('palette_weight', [k, 3, 1, 1], weights),
      floatTensor('palette_bias', [k], bias),
      floatTensor('colour_directions', [k, EMBEDDING_SIZE], projection),
    ],
    nodes: [
      {
        op: 'AveragePool',
        inputs: ['pixel_values'],
        outputs: ['pooled'],
        attributes: { kernel_shape: [POOL, POOL], strides: [POOL, POOL] },
      },
      { op: 'Conv', inputs: ['pooled', 'palette_weight', 'palette_bias'], outputs: ['logits'] },
      { op: 'Softmax', inputs: ['logits'], outputs: ['assignment'], attributes: { axis: 1 } },
      { op: 'GlobalAveragePool', inputs: ['assignment'], outputs: ['histogram_4d'] },
      { op: 'Flatten', inputs: ['histogram_4d'], outputs: ['histogram'], attributes: { axis: 1 } },
      { op: 'MatMul', inputs: ['histogram', 'colour_directions'], outputs: ['raw_embeds'] },
      { op: 'ReduceL2', inputs: ['raw_embeds'], outputs: ['norm'], attributes: { axes: [1], keepdims: 1 } },
      { op: 'Div', inputs: ['raw_embeds', 'norm'], outputs: ['image_embeds'] },
    ],
  });
}

function textModel(vocab: string[], directions: Float64Array[]): Uint8Array {
  const table = new Float32Array(vocab.length * EMBEDDING_SIZE);
  const ids = new Map(vocab.map((symbol, id) => [symbol, id]));
  for (const [word, colour] of Object.entries(TOY_WORDS)) {
    const id = ids.get(word + '</w>')!;
    table.set(directions[TOY_COLOUR_NAMES.indexOf(colour)]!, id * EMBEDDING_SIZE);
  }
  const neutral = directions[TOY_COLOUR_NAMES.length]!;
  table.set(
    neutral.map((x) => x * START_TOKEN_WEIGHT),
    ids.get('<|startoftext|>')! * EMBEDDING_SIZE,
  );
  return encodeModel({
    name: 'toy_clip_text',
    opset: OPSET,
    docString: 'Shoebox toy CLIP text tower (test model: colour words).',
    inputs: [{ name: 'input_ids', type: 'int64', shape: ['batch', CONTEXT_LENGTH] }],
    outputs: [{ name: 'text_embeds', type: 'float32', shape: ['batch', EMBEDDING_SIZE] }],
    initializers: [
      floatTensor('token_embedding', [vocab.length, EMBEDDING_SIZE], table),
      int64Tensor('sequence_axis', [1], [1]),
    ],
    nodes: [
      { op: 'Gather', inputs: ['token_embedding', 'input_ids'], outputs: ['token_embeds'], attributes: { axis: 0 } },
      {
        op: 'ReduceSum',
        inputs: ['token_embeds', 'sequence_axis'],
        outputs: ['raw_embeds'],
        attributes: { keepdims: 0 },
      },
      { op: 'ReduceL2', inputs: ['raw_embeds'], outputs: ['norm'], attributes: { axes: [1], keepdims: 1 } },
      { op: 'Div', inputs: ['raw_embeds', 'norm'], outputs: ['text_embeds'] },
    ],
  });
}

function tokenizerJson(vocab: string[], merges: [string, string][]): string {
  const specials = ['<|startoftext|>', '<|endoftext|>'].map((content) => ({
    id: vocab.indexOf(content),
    content,
    special: true,
  }));
  return JSON.stringify(
    {
      version: '1.0',
      added_tokens: specials,
      model: {
        type: 'BPE',
        end_of_word_suffix: '</w>',
        unk_token: '<|endoftext|>',
        vocab: Object.fromEntries(vocab.map((symbol, id) => [symbol, id])),
        merges: merges.map(([a, b]) => `${a} ${b}`),
      },
    },
    null,
    1,
  );
}

function manifest(): string {
  return JSON.stringify(
    {
      id: 'toy-clip',
      name: 'Toy CLIP (test model)',
      test: true,
      description: 'A deterministic stand-in for CLIP used by the tests: colour words match dominant colours.',
      embeddingSize: EMBEDDING_SIZE,
      imageSize: IMAGE_SIZE,
      mean: MEAN,
      std: STD,
      logitScale: 100,
      tokenizer: { file: 'tokenizer.json', contextLength: CONTEXT_LENGTH, padId: 0 },
      vision: { file: 'vision_model.onnx', input: 'pixel_values', output: 'image_embeds' },
      text: { file: 'text_model.onnx', input: 'input_ids', inputType: 'int64', output: 'text_embeds' },
    },
    null,
    2,
  );
}

export function generateToyModel(outDir: string): void {
  mkdirSync(outDir, { recursive: true });
  const directions = orthonormalRows(TOY_COLOUR_NAMES.length + 1, EMBEDDING_SIZE, 20241127);
  const merges = trainMerges(Object.keys(TOY_WORDS));
  const vocab = vocabFromMerges(merges);
  writeFileSync(join(outDir, 'vision_model.onnx'), visionModel(directions));
  writeFileSync(join(outDir, 'text_model.onnx'), textModel(vocab, directions));
  writeFileSync(join(outDir, 'tokenizer.json'), tokenizerJson(vocab, merges) + '\n');
  writeFileSync(join(outDir, 'manifest.json'), manifest() + '\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const target = resolve(process.argv[2] ?? 'test/fixtures/models/toy-clip');
  generateToyModel(target);
  console.log(`Toy model written to ${target}`);
}
