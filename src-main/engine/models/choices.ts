import type { ModelChoice } from '../../api/contract.js';
import type { Catalogue } from './catalogue.js';
import { installedModels } from './installed.js';

/** The catalogue's models (recommended first), then the imported ones, each with its state. */
export async function modelChoices(
  catalogue: Catalogue,
  modelsDir: string,
  state: { active: string | null; next: string | null },
): Promise<ModelChoice[]> {
  const installed = await installedModels(modelsDir);
  const installedIds = new Set(installed.map((model) => model.manifest.id));
  const offered = catalogue.models
    .map((entry): ModelChoice => ({
      id: entry.id,
      name: entry.name,
      summary: entry.summary,
      bytes: entry.files.reduce((sum, file) => sum + file.size, 0),
      languages: entry.languages,
      licence: entry.licence.name,
      recommended: entry.recommended,
      installed: installedIds.has(entry.id),
      imported: false,
      test: false,
      active: entry.id === state.active,
      preparing: entry.id === state.next,
    }))
    .sort((a, b) => Number(b.recommended) - Number(a.recommended));
  const imported = installed
    .filter((model) => !offered.some((entry) => entry.id === model.manifest.id))
    .map(({ manifest }): ModelChoice => ({
      id: manifest.id,
      name: manifest.name,
      summary: manifest.description ?? 'Imported model.',
      bytes: 0,
      languages: 'unknown',
      licence: 'unknown',
      recommended: false,
      installed: true,
      imported: true,
      test: manifest.test,
      active: manifest.id === state.active,
      preparing: manifest.id === state.next,
    }));
  return [...offered, ...imported];
}
