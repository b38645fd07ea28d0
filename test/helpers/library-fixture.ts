import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ToyColour } from '../../scripts/toy-palette.js';
import { paintPhoto } from './photos.js';

/** How many generated photos of each colour a fixture library holds. */
export const COLOUR_COUNTS: Partial<Record<ToyColour, number>> = {
  red: 4,
  blue: 3,
  green: 3,
  yellow: 2,
  purple: 1,
  orange: 1,
  pink: 1,
  brown: 1,
};

export interface FixtureLibrary {
  root: string;
  coloursDir: string;
  corpusDir: string | null;
  brokenDir: string;
  /** Paths of the generated photos, by colour. */
  byColour: Map<ToyColour, string[]>;
}

/**
 * A library folder on disk: generated photos of known dominant colours, a copy of the real
 * corpus (when given), and files that must fail: empty, text named .jpg, a truncated JPEG.
 */
export async function buildFixtureLibrary(root: string, corpus: string | null): Promise<FixtureLibrary> {
  const coloursDir = join(root, 'colours');
  const brokenDir = join(root, 'broken');
  const byColour = new Map<ToyColour, string[]>();
  let seed = 1;
  for (const [colour, count] of Object.entries(COLOUR_COUNTS) as [ToyColour, number][]) {
    const paths: string[] = [];
    for (let i = 0; i < count; i++) {
      paths.push(
        await paintPhoto(join(coloursDir, `${colour}-${i}.jpg`), colour, {
          seed: seed++,
          width: 320 + 16 * i,
          height: 240,
        }),
      );
    }
    byColour.set(colour, paths);
  }
  mkdirSync(brokenDir, { recursive: true });
  writeFileSync(join(brokenDir, 'empty.jpg'), '');
  writeFileSync(join(brokenDir, 'notes.jpg'), 'Not a photo: a shopping list.\nmilk\neggs\n');
  const whole = readFileSync(byColour.get('red')![0]!);
  writeFileSync(join(brokenDir, 'truncated.jpg'), whole.subarray(0, Math.floor(whole.length / 2)));
  let corpusDir: string | null = null;
  if (corpus) {
    corpusDir = join(root, 'corpus');
    cpSync(corpus, corpusDir, { recursive: true });
  }
  return { root, coloursDir, corpusDir, brokenDir, byColour };
}

/**
 * A copy of a fixture library at `root`, with its paths pointing into the copy: for a test that
 * changes photos, so that the original stays as it was for the others.
 */
export function copyFixtureLibrary(fixture: FixtureLibrary, root: string): FixtureLibrary {
  cpSync(fixture.root, root, { recursive: true, preserveTimestamps: true });
  const moved = (path: string) => join(root, relative(fixture.root, path));
  return {
    root,
    coloursDir: moved(fixture.coloursDir),
    corpusDir: fixture.corpusDir === null ? null : moved(fixture.corpusDir),
    brokenDir: moved(fixture.brokenDir),
    byColour: new Map([...fixture.byColour].map(([colour, paths]) => [colour, paths.map(moved)])),
  };
}

/** Every file under a folder that Shoebox should account for (hidden entries are ignored). */
export function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name.startsWith('.')) return [];
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}
