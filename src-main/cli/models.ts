import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { UserError } from '../shared/errors.js';
import type { Library } from '../engine/library.js';
import { CATALOGUE_PATH, loadCatalogue, type Catalogue } from '../engine/models/catalogue.js';
import { installCatalogueModel } from '../engine/models/download.js';
import { modelChoices } from '../engine/models/choices.js';
import { importModelFolder, installedModels } from '../engine/models/installed.js';
import { createProgressView, formatBytes } from './progress.js';

interface Context {
  dataDir(command: Command): string;
  withLibrary<T>(command: Command, work: (library: Library) => Promise<T> | T): Promise<T>;
}

/** The catalogue in use: the one shipped with Shoebox, or a file named by SHOEBOX_CATALOGUE (a mirror). */
function catalogue(): Catalogue {
  const path = process.env.SHOEBOX_CATALOGUE ? resolve(process.env.SHOEBOX_CATALOGUE) : CATALOGUE_PATH;
  try {
    return loadCatalogue(path);
  } catch (error) {
    throw new UserError(
      `The model catalogue ${path} cannot be read (${error instanceof Error ? error.message.split('\n')[0] : error}).`,
    );
  }
}

function describeSwitch(library: Library, result: { changed: boolean; pending: number }, id: string): string {
  if (!result.changed) return `${id} is already the model in use.`;
  const active = library.activeModel();
  if (active && active.manifest.id !== id) {
    return (
      `Switching to ${id}: "shoebox index" encodes ${result.pending} photos with it; ` +
      `search keeps using ${active.manifest.id} until they are done.`
    );
  }
  return result.pending > 0 ? `Using ${id}. "shoebox index" encodes ${result.pending} photos with it.` : `Using ${id}.`;
}

export function modelsCommand(context: Context): Command {
  const models = new Command('models').description('download, choose and import CLIP models');

  models
    .command('list', { isDefault: true })
    .description('the models Shoebox offers and the ones installed')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const state = await context.withLibrary(command, (library) => ({
        active: library.activeModel()?.manifest.id ?? null,
        next: library.pendingModel()?.manifest.id ?? null,
      }));
      const choices = await modelChoices(catalogue(), join(context.dataDir(command), 'models'), state);
      const offered = choices.filter((choice) => !choice.imported);
      const imported = choices.filter((choice) => choice.imported);
      if (options.json) {
        process.stdout.write(JSON.stringify({ catalogue: offered, imported }, null, 2) + '\n');
        return;
      }
      const lines = offered.map((entry) => {
        const marks = [
          entry.recommended ? 'recommended' : '',
          entry.active ? 'in use' : entry.preparing ? 'being prepared' : entry.installed ? 'installed' : '',
        ].filter(Boolean);
        return (
          `${entry.id.padEnd(28)} ${formatBytes(entry.bytes).padStart(8)}  ${entry.languages.padEnd(12)} ` +
          `${entry.licence.padEnd(12)} ${entry.name}${marks.length ? `  [${marks.join(', ')}]` : ''}`
        );
      });
      for (const model of imported) {
        lines.push(
          `${model.id.padEnd(28)} ${'imported'.padStart(8)}  ${model.name}${model.active ? '  [in use]' : ''}`,
        );
      }
      process.stdout.write(lines.join('\n') + '\n');
    });

  models
    .command('download')
    .description('download a model from the catalogue (pinned, verified, resumable)')
    .argument('<id>')
    .action(async (id: string, _options, command: Command) => {
      const entry = catalogue().models.find((model) => model.id === id);
      if (!entry) throw new UserError(`There is no model "${id}" in the catalogue: "shoebox models list" shows them.`);
      const view = createProgressView(`Downloading ${entry.id}`, 'bytes');
      const controller = new AbortController();
      const onSignal = () =>
        controller.abort(new UserError('The download was interrupted; run the same command to resume it.'));
      process.once('SIGINT', onSignal);
      try {
        const dir = await installCatalogueModel(entry, join(context.dataDir(command), 'models'), {
          signal: controller.signal,
          onProgress: (progress) =>
            view.update(progress.receivedBytes, progress.totalBytes, {
              rate: progress.bytesPerSecond,
              eta: progress.etaSeconds,
              label: progress.file,
            }),
        });
        view.stop();
        process.stdout.write(
          `Installed ${entry.name} in ${dir}. "shoebox models use ${entry.id}" makes it the model.\n`,
        );
      } catch (error) {
        view.stop();
        throw controller.signal.aborted ? controller.signal.reason : error;
      } finally {
        process.removeListener('SIGINT', onSignal);
      }
    });

  models
    .command('use')
    .description('make an installed model (or a model folder) the library model')
    .argument('<id|folder>')
    .action(async (idOrFolder: string, _options, command: Command) => {
      const installed = join(context.dataDir(command), 'models', idOrFolder);
      const candidates = (await installedModels(join(context.dataDir(command), 'models'))).map((m) => m.dir);
      const dir = candidates.includes(installed) ? installed : resolve(idOrFolder);
      await context.withLibrary(command, async (library) => {
        const result = await library.useModel(dir);
        process.stdout.write(
          describeSwitch(library, result, library.pendingModel()?.manifest.id ?? library.activeModel()!.manifest.id) +
            '\n',
        );
      });
    });

  models
    .command('import')
    .description('copy a model folder (manifest.json, ONNX towers, tokenizer) into Shoebox')
    .argument('<folder>')
    .action(async (folder: string, _options, command: Command) => {
      const model = await importModelFolder(resolve(folder), join(context.dataDir(command), 'models'));
      process.stdout.write(
        `Imported ${model.manifest.name} as ${model.manifest.id}. "shoebox models use ${model.manifest.id}" makes it the model.\n`,
      );
    });

  return models;
}
