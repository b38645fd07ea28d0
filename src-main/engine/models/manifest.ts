import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.js';

/** A model is a folder holding `manifest.json`, its ONNX towers and its tokenizer. */
export const MANIFEST_FILE = 'manifest.json';

const towerSchema = z.object({
  file: z.string().min(1),
  input: z.string().min(1),
  inputType: z.enum(['float32', 'int64', 'int32']).default('float32'),
  output: z.string().min(1),
});

const triple = z.tuple([z.number(), z.number(), z.number()]);

export const manifestSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, ".", "_" and "-"'),
  name: z.string().min(1),
  description: z.string().optional(),
  /** A test model is never offered to users as a real model. */
  test: z.boolean().default(false),
  embeddingSize: z.number().int().positive(),
  imageSize: z.number().int().positive(),
  /** Per-channel normalisation after scaling to [0, 1]; models trained without it use 0 and 1. */
  mean: triple.default([0, 0, 0]),
  std: triple.default([1, 1, 1]),
  logitScale: z.number().positive().default(100),
  tokenizer: z.object({
    file: z.string().min(1),
    contextLength: z.number().int().positive().default(77),
    padId: z.number().int().nonnegative().default(0),
  }),
  vision: towerSchema,
  text: towerSchema.extend({ inputType: z.enum(['int64', 'int32']).default('int64') }),
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
  for (const file of [manifest.tokenizer.file, manifest.vision.file, manifest.text.file]) {
    if (!existsSync(join(folder, file))) throw new UserError(`The model in ${folder} is missing its file ${file}.`);
  }
  return { dir: folder, manifest };
}
