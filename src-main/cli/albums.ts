import { basename, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { UserError } from '../shared/errors.js';
import type { Library } from '../engine/library.js';
import { loadStarterAlbums } from '../engine/starter-albums.js';

type WithLibrary = <T>(command: Command, work: (library: Library) => Promise<T> | T) => Promise<T>;

function sensitivity(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < -1 || parsed > 1)
    throw new InvalidArgumentError('expected a number from -1 (strict) to 1 (loose)');
  return parsed;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function photoIdOf(library: Library, path: string): number {
  const row = library.store.photoByPath(resolve(path));
  if (!row) throw new UserError(`${resolve(path)} is not a photo in the library.`);
  return row.id;
}

/** `shoebox albums …`: albums that fill themselves from prompts. */
export function albumsCommand(withLibrary: WithLibrary): Command {
  const albums = new Command('albums').description('albums that fill themselves from prompt labels');

  albums
    .command('list', { isDefault: true })
    .description('every album with its photo count')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      await withLibrary(command, async (library) => {
        const list = await library.albums();
        if (options.json) {
          const rows = list.map(({ album, count }) => ({
            name: album.name,
            prompts: album.prompts,
            negatives: album.negatives,
            sensitivity: album.sensitivity,
            photos: count,
          }));
          process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        } else if (list.length === 0) {
          process.stdout.write(
            'No albums yet: "shoebox albums create <name> --prompt <text>" or "shoebox albums starters".\n',
          );
        } else {
          for (const { album, count } of list) {
            process.stdout.write(
              `${album.name.padEnd(30)} ${String(count).padStart(6)} photos   ${album.prompts.join(', ')}\n`,
            );
          }
        }
      });
    });

  albums
    .command('create')
    .description('create an album from prompts ("our dog"), optionally with negatives ("cat")')
    .argument('<name>')
    .requiredOption('--prompt <text>', 'what belongs (repeat for more)', collect)
    .option('--negative <text>', 'what does not belong (repeat for more)', collect)
    .option('--sensitivity <n>', 'from -1 (strict) to 1 (loose)', sensitivity, 0)
    .action(
      async (
        name: string,
        options: { prompt: string[]; negative?: string[]; sensitivity: number },
        command: Command,
      ) => {
        await withLibrary(command, async (library) => {
          library.createAlbum({
            name,
            prompts: options.prompt,
            negatives: options.negative ?? [],
            sensitivity: options.sensitivity,
          });
          const view = await library.album(name);
          process.stdout.write(`Created "${name}": ${view.members.length} photos.\n`);
        });
      },
    );

  albums
    .command('show')
    .description("the album's photos, best match first")
    .argument('<name>')
    .option('--json', 'print JSON: [{ "path", "score" }, …]')
    .option('--borderline', 'also show the photos nearest to the line')
    .action(async (name: string, options: { json?: boolean; borderline?: boolean }, command: Command) => {
      await withLibrary(command, async (library) => {
        const view = await library.album(name);
        const details = library.photoDetails(
          [...view.members, ...view.borderline.nearMisses, ...view.borderline.weakestMembers].map((m) => m.photoId),
        );
        const row = (m: { photoId: number; score: number; background: number; override: boolean | null }) => ({
          path: details.get(m.photoId)?.path ?? '',
          score: Number(m.score.toFixed(6)),
          background: Number(m.background.toFixed(6)),
          ...(m.override !== null ? { override: m.override ? 'always' : 'never' } : {}),
        });
        if (options.json) {
          const members = view.members.map(row);
          const output = options.borderline
            ? {
                members,
                nearMisses: view.borderline.nearMisses.map(row),
                weakestMembers: view.borderline.weakestMembers.map(row),
              }
            : members;
          process.stdout.write(JSON.stringify(output, null, 2) + '\n');
          return;
        }
        const t = view.thresholds;
        process.stdout.write(
          `${view.album.name}: ${view.members.length} photos (score ≥ ${t.score.toFixed(3)}, ` +
            `lead over background ≥ ${t.margin.toFixed(3)}; typical photo ${t.median.toFixed(3)})\n`,
        );
        for (const m of view.members) process.stdout.write(`${m.score.toFixed(3)}  ${row(m).path}\n`);
        if (options.borderline) {
          process.stdout.write('\nJust outside:\n');
          for (const m of view.borderline.nearMisses) process.stdout.write(`${m.score.toFixed(3)}  ${row(m).path}\n`);
        }
      });
    });

  albums
    .command('set')
    .description('change an album: sensitivity, prompts, negatives or name')
    .argument('<name>')
    .option('--sensitivity <n>', 'from -1 (strict) to 1 (loose)', sensitivity)
    .option('--prompt <text>', 'replace the prompts (repeat for more)', collect)
    .option('--negative <text>', 'replace the negatives (repeat for more)', collect)
    .option('--rename <new name>', 'rename the album')
    .action(
      async (
        name: string,
        options: { sensitivity?: number; prompt?: string[]; negative?: string[]; rename?: string },
        command: Command,
      ) => {
        await withLibrary(command, async (library) => {
          const album = library.updateAlbum(name, {
            ...(options.sensitivity !== undefined ? { sensitivity: options.sensitivity } : {}),
            ...(options.prompt ? { prompts: options.prompt } : {}),
            ...(options.negative ? { negatives: options.negative } : {}),
            ...(options.rename ? { name: options.rename } : {}),
          });
          process.stdout.write(`"${album.name}" now has ${(await library.album(album.name)).members.length} photos.\n`);
        });
      },
    );

  for (const [verb, include, description] of [
    ['include', true, 'always keep this photo in the album'],
    ['exclude', false, 'never show this photo in the album'],
    ['reset', null, 'let the album decide about this photo again'],
  ] as const) {
    albums
      .command(verb)
      .description(description)
      .argument('<name>')
      .argument('<photo>')
      .action(async (name: string, photo: string, _options, command: Command) => {
        await withLibrary(command, (library) => {
          library.setAlbumOverride(name, photoIdOf(library, photo), include);
          process.stdout.write(
            `${basename(photo)}: ${include === null ? 'the album decides' : include ? 'always in' : 'never in'} "${name}".\n`,
          );
        });
      });
  }

  albums
    .command('delete')
    .description('delete an album (the photos stay where they are)')
    .argument('<name>')
    .action(async (name: string, _options, command: Command) => {
      await withLibrary(command, (library) => {
        library.deleteAlbum(name);
        process.stdout.write(`Deleted the album "${name}".\n`);
      });
    });

  albums
    .command('starters')
    .description('built-in albums to switch on: "shoebox albums starters --enable pets food"')
    .option('--enable <id...>', 'create these starter albums')
    .option('--json', 'print JSON')
    .action(async (options: { enable?: string[]; json?: boolean }, command: Command) => {
      const starters = loadStarterAlbums();
      if (!options.enable) {
        if (options.json) process.stdout.write(JSON.stringify(starters, null, 2) + '\n');
        else for (const s of starters) process.stdout.write(`${s.id.padEnd(22)} ${s.name}: ${s.prompts.join(', ')}\n`);
        return;
      }
      await withLibrary(command, (library) => {
        for (const id of options.enable!) {
          const starter = starters.find((s) => s.id === id);
          if (!starter) throw new UserError(`There is no starter album "${id}": "shoebox albums starters" lists them.`);
          library.createAlbum({ ...starter, starter: starter.id });
          process.stdout.write(`Switched on "${starter.name}".\n`);
        }
      });
    });

  return albums;
}

/** `shoebox classify`: CLIP's zero-shot classification of one photo. */
export function classifyCommand(withLibrary: WithLibrary): Command {
  return new Command('classify')
    .description('which of the labels a photo shows: a probability per label ("a photo of a {label}")')
    .argument('<photo>')
    .requiredOption('--label <label...>', 'the labels to choose between')
    .option('--json', 'print JSON')
    .action(async (photo: string, options: { label: string[]; json?: boolean }, command: Command) => {
      await withLibrary(command, async (library) => {
        const result = await library.classify(photo, options.label);
        if (options.json) {
          const rows = result.map((r) => ({
            label: r.label,
            probability: r.probability,
            similarity: Number(r.similarity.toFixed(6)),
          }));
          process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        } else {
          for (const r of result)
            process.stdout.write(`${(r.probability * 100).toFixed(1).padStart(5)} %  ${r.label}\n`);
        }
      });
    });
}

/** `shoebox duplicates`: groups of copies, the one to keep first. Nothing is ever deleted here. */
export function duplicatesCommand(withLibrary: WithLibrary): Command {
  return new Command('duplicates')
    .description('groups of near-duplicate photos (copies, edits, bursts), the best copy first; deletes nothing')
    .option('--max-distance <bits>', 'perceptual-hash bits that may differ (default 12)', (v) => Number(v))
    .option('--json', 'print JSON')
    .action(async (options: { maxDistance?: number; json?: boolean }, command: Command) => {
      await withLibrary(command, (library) => {
        const groups = library.duplicates(
          options.maxDistance !== undefined ? { maxHashDistance: options.maxDistance } : {},
        );
        const details = library.photoDetails(groups.flatMap((group) => group.photoIds));
        const rows = groups.map((group) => ({
          keep: details.get(group.keep)?.path ?? '',
          photos: group.photoIds.map((id) => {
            const photo = details.get(id);
            return { path: photo?.path ?? '', width: photo?.width ?? null, height: photo?.height ?? null };
          }),
        }));
        if (options.json) {
          process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
          return;
        }
        if (rows.length === 0) process.stdout.write('No near-duplicates found.\n');
        for (const row of rows) {
          process.stdout.write(`Keep ${row.keep}\n`);
          for (const photo of row.photos.slice(1))
            process.stdout.write(`  copy ${photo.path} (${photo.width}×${photo.height})\n`);
        }
      });
    });
}
