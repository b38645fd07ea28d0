import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { modelSpecSchema } from '../../shared/model-manifest.js';
import { modelIdSchema } from '../../shared/model-id.js';

/**
 * The models Shoebox offers to download. Every file is pinned: a URL at a fixed revision (a
 * commit hash, never a branch), its exact byte size and its SHA-256. A download is accepted only
 * when both match.
 */
const pinnedFileSchema = z.object({
  url: z
    .string()
    .url()
    .refine((url) => /\/resolve\/[0-9a-f]{40}\//.test(url), 'a URL pinned to a 40-hex revision (…/resolve/<commit>/…)'),
  size: z.number().int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** The file name inside the installed model folder, as the manifest names it. */
  saveAs: z.string().regex(/^[A-Za-z0-9._-]+$/),
});

export const catalogueEntrySchema = z
  .object({
    id: modelIdSchema,
    name: z.string().min(1),
    /** The model new users get. Exactly one entry has it. */
    recommended: z.boolean().default(false),
    languages: z.enum(['english', 'multilingual']),
    speed: z.enum(['fast', 'medium', 'slow']),
    licence: z.object({ name: z.string().min(1), url: z.string().url() }),
    homepage: z.string().url(),
    /** Published quality, with where it was read. */
    quality: z.object({
      imagenetZeroShotTop1: z.number().min(0).max(1).optional(),
      retrieval: z.string().optional(),
      source: z.string().url(),
    }),
    summary: z.string().min(1),
    files: z.array(pinnedFileSchema).min(1),
    manifest: modelSpecSchema,
  })
  .refine(
    (entry) => {
      const saved = new Set(entry.files.map((file) => file.saveAs));
      const { tokenizer, vision, text } = entry.manifest;
      return [tokenizer.file, tokenizer.merges, vision.file, text.file].every(
        (file) => file === undefined || saved.has(file),
      );
    },
    { message: 'every file the manifest names is among the pinned files' },
  );

export const catalogueSchema = z
  .object({ version: z.literal(1), models: z.array(catalogueEntrySchema).min(1) })
  .refine((catalogue) => catalogue.models.filter((model) => model.recommended).length === 1, {
    message: 'exactly one model is recommended',
  })
  .refine((catalogue) => new Set(catalogue.models.map((model) => model.id)).size === catalogue.models.length, {
    message: 'model ids are unique',
  });

export type PinnedFile = z.infer<typeof pinnedFileSchema>;
export type CatalogueEntry = z.infer<typeof catalogueEntrySchema>;
export type Catalogue = z.infer<typeof catalogueSchema>;

export const CATALOGUE_PATH = fileURLToPath(new URL('../../../../resources/models/catalogue.json', import.meta.url));

export function loadCatalogue(path = CATALOGUE_PATH): Catalogue {
  return catalogueSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
}
