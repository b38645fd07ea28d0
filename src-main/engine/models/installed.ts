import { cp, mkdir, readdir, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError, describeError } from '../../shared/errors.js';
import { STAGING_FOLDER, replaceFolder } from './download.js';
import { loadModelFolder, type ModelFolder } from '../../shared/model-manifest.js';

/** The models in the data folder's `models/`: downloaded from the catalogue or imported. */
export async function installedModels(modelsDir: string): Promise<ModelFolder[]> {
  const entries = await readdir(modelsDir, { withFileTypes: true }).catch(() => []);
  const models: ModelFolder[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    try {
      models.push(loadModelFolder(join(modelsDir, entry.name)));
    } catch {
      // A folder that is not a valid model (a half-deleted one, a stray folder) is not listed.
    }
  }
  return models.sort((a, b) => a.manifest.id.localeCompare(b.manifest.id));
}

/**
 * Copies a model folder (manifest.json, ONNX towers, tokenizer) into the data folder under its
 * id, checked first and moved into place whole, so a failed copy installs nothing.
 */
export async function importModelFolder(source: string, modelsDir: string): Promise<ModelFolder> {
  const model = loadModelFolder(source);
  const staging = join(modelsDir, STAGING_FOLDER, `import-${model.manifest.id}`);
  const target = join(modelsDir, model.manifest.id);
  if (model.dir === target) return model;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    await cp(model.dir, staging, { recursive: true });
    loadModelFolder(staging);
    await replaceFolder(staging, target);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error instanceof UserError
      ? error
      : new UserError(`The model could not be imported (${describeError(error)}).`);
  } finally {
    await rmdir(join(modelsDir, STAGING_FOLDER)).catch(() => undefined);
  }
  return loadModelFolder(target);
}
