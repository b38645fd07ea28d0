import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const starterSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  name: z.string().min(1),
  prompts: z.array(z.string().min(1)).min(1),
  negatives: z.array(z.string().min(1)),
  sensitivity: z.number().min(-1).max(1),
});

export type StarterAlbum = z.infer<typeof starterSchema>;

export const STARTERS_PATH = fileURLToPath(new URL('../../../resources/albums/starters.json', import.meta.url));

/** The built-in albums a user can switch on with one click. */
export function loadStarterAlbums(path = STARTERS_PATH): StarterAlbum[] {
  return z
    .object({ version: z.literal(1), albums: z.array(starterSchema) })
    .parse(JSON.parse(readFileSync(path, 'utf8'))).albums;
}
