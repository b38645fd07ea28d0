import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { UserError } from './errors.js';
import { modelIdSchema } from './model-id.js';

/** A model is a folder holding `manifest.json`, its ONNX towers and its tokenizer. */
export const MANIFEST_FILE = 'manifest.json';

const towerSchema = z.object({
  file: z.string().min(1),
  input: z.string().min(1),
  inputType: z.enum(['float32', 'int64', 'int32']).default('float32'),
  output: z.string().min(1),
});

const triple = z.tuple([z.number(), z.number(), z.number()]);

/** Everything about a model except who it is: what a catalogue entry pins and a folder holds. */
export const modelSpecSchema = z.object({
  description: z.string().optional(),
  /** A test model is never offered to users as a real model. */
  test: z.boolean().default(false),
  embeddingSize: z.number().int().positive(),
  imageSize: z.number().int().positive(),
  /** Per-channel normalisation after scaling to [0, 1]; models trained without it use 0 and 1. */
  mean: triple.default([0, 0, 0]),
  std: triple.default([1, 1, 1]),
  /** How the photo becomes a square: CLIP's shorter-side resize and centre crop, or SigLIP's squash. */
  resize: z.enum(['shortest-edge-crop', 'squash']).default('shortest-edge-crop'),
  /** The resampling filter the model was trained with (CLIP: bicubic; SigLIP: bilinear). */
  interpolation: z.enum(['bicubic', 'bilinear']).default('bicubic'),
  /** CLIP's temperature: the logits of zero-shot classification are this times the cosine similarity. */
  logitScale: z.number().positive().default(100),
  tokenizer: z.object({
    /**
     * `clip-bpe`: CLIP's byte-level BPE, from `bpe_simple_vocab_16e6.txt(.gz)`, a Hugging Face
     * `tokenizer.json`, or `vocab.json` with `merges`. `huggingface`: any other `tokenizer.json`
     * (SentencePiece, WordPiece), read by the Hugging Face tokenizers library.
     */
    kind: z.enum(['clip-bpe', 'huggingface']).default('clip-bpe'),
    file: z.string().min(1),
    merges: z.string().min(1).optional(),
    contextLength: z.number().int().positive().default(77),
    padId: z.number().int().nonnegative().default(0),
    lowercase: z.boolean().default(false),
  }),
  vision: towerSchema,
  text: towerSchema.extend({
    inputType: z.enum(['int64', 'int32']).default('int64'),
    /** Name of the attention-mask input, for graphs that take one. */
    attentionMask: z.string().min(1).optional(),
  }),
});

export const manifestSchema = modelSpecSchema.extend({
  id: modelIdSchema,
  name: z.string().min(1),
});

export type ModelManifest = z.infer<typeof manifestSchema>;

export interface ModelFolder {
  dir: string;
  manifest: ModelManifest;
}

export function loadModelFolder(dir: string): ModelFolder {
  const folder = resolve(dir);
  const manifestPath = join(folder, MANIFEST_FILE);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new UserError(`No model folder at ${folder}.`);
  }
  if (!existsSync(manifestPath)) throw new UserError(`${folder} is not a model folder: it has no ${MANIFEST_FILE}.`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch {
    throw new UserError(`The model manifest ${manifestPath} is not valid JSON.`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || 'manifest';
    throw new UserError(
      `The model manifest ${manifestPath} is invalid at "${where}": ${issue?.message ?? 'unknown problem'}.`,
    );
  }
  const manifest = parsed.data;
  const files = [manifest.tokenizer.file, manifest.tokenizer.merges, manifest.vision.file, manifest.text.file];
  for (const file of files.filter((f): f is string => f !== undefined)) {
    if (!existsSync(join(folder, file))) throw new UserError(`The model in ${folder} is missing its file ${file}.`);
  }
  return { dir: folder, manifest };
}
