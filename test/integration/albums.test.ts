import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { Library } from '../../src-main/engine/library.js';
import { TOY_MODEL_DIR, runCli, sharedPath, waitFor } from '../helpers/env.js';
import { buildFixtureLibrary, type FixtureLibrary } from '../helpers/library-fixture.js';
import { paintPhoto } from '../helpers/photos.js';

describe('albums, classification and duplicates with the toy model', () => {
  let workspace: string;
  let fixture: FixtureLibrary;
  let library: Library;
  const copies = new Map<string, string[]>();

  before(async () => {
    workspace = mkdtempSync(join(tmpdir(), 'shoebox-albums-'));
    fixture = await buildFixtureLibrary(join(workspace, 'photos'), sharedPath('corpus', 'exif-samples'));
    // Copies of some generated photos: resized, re-encoded, converted; they must group with their originals.
    for (const original of [
      fixture.byColour.get('red')![0]!,
      fixture.byColour.get('blue')![1]!,
      fixture.byColour.get('green')![2]!,
    ]) {
      mkdirSync(join(fixture.root, 'copies'), { recursive: true });
      const stem = join(fixture.root, 'copies', basename(original, '.jpg'));
      const half = `${stem}-half.jpg`;
      const lossy = `${stem}-q40.jpg`;
      const webp = `${stem}.webp`;
      await sharp(original).resize(160).toFile(half);
      await sharp(original).jpeg({ quality: 40 }).toFile(lossy);
      await sharp(original).webp({ quality: 70 }).toFile(webp);
      copies.set(original, [half, lossy, webp]);
    }
    library = Library.open({ dataDir: join(workspace, 'data') });
    await library.useModel(TOY_MODEL_DIR);
    await library.addFolder(fixture.root);
    await library.index();
  });

  after(() => {
    library?.close();
    rmSync(workspace, { recursive: true, force: true });
  });

  const pathsOf = (ids: readonly number[]) => {
    const details = library.photoDetails(ids);
    return ids.map((id) => details.get(id)!.path);
  };
  const generated = (colour: string) => fixture.byColour.get(colour as never) ?? [];
  const allGenerated = () => [...fixture.byColour.values()].flat();

  test('an album "red things" holds the red photos and none of the others', async () => {
    library.createAlbum({ name: 'red things', prompts: ['red'] });
    const view = await library.album('red things');
    const members = new Set(pathsOf(view.members.map((m) => m.photoId)));
    for (const red of generated('red')) assert.ok(members.has(red), `${basename(red)} is in`);
    for (const other of allGenerated().filter((p) => !generated('red').includes(p))) {
      assert.ok(!members.has(other), `${basename(other)} is not`);
    }
    // Real photos join only when red is what they mostly show (the toy model's whole meaning).
    for (const member of view.members) assert.ok(member.score > 0.6, `score ${member.score}`);
    assert.ok(view.borderline.nearMisses.length > 0, 'the photos just outside are offered for tuning');
  });

  test('a red photo added to a watched folder joins the album without a rescan of the library', async () => {
    const before = (await library.album('red things')).members.length;
    const scans: { added: number; unchanged: number }[] = [];
    const watcher = await library.watch({ onUpdate: ({ scan }) => scans.push(scan) }, { stableMs: 200, batchMs: 100 });
    try {
      const arrived = await paintPhoto(join(fixture.coloursDir, 'new-red.jpg'), 'red', { seed: 4242 });
      const id = await waitFor('the new photo to be indexed', () => {
        const row = library.store.photoByPath(arrived);
        return row && library.store.photoEmbedding(row.id, library.activeModel()!.manifest.id) ? row.id : undefined;
      });
      const view = await library.album('red things');
      assert.ok(view.members.some((m) => m.photoId === id));
      assert.equal(view.members.length, before + 1);
      // The watcher looked at the new file alone: no other file was stat'ed or decoded again.
      assert.deepEqual(
        scans.map((scan) => [scan.added, scan.unchanged]),
        [[1, 0]],
      );
    } finally {
      await watcher.close();
    }
  });

  test('a hand "always" and "never" survive a re-score with new prompts and a new model', async () => {
    const redOut = library.store.photoByPath(generated('red')[1]!)!.id;
    const blueIn = library.store.photoByPath(generated('blue')[0]!)!.id;
    library.setAlbumOverride('red things', redOut, false);
    library.setAlbumOverride('red things', blueIn, true);
    const check = async () => {
      const ids = (await library.album('red things')).members.map((m) => m.photoId);
      assert.ok(!ids.includes(redOut) && ids.includes(blueIn));
    };
    await check();
    library.updateAlbum('red things', { prompts: ['red', 'scarlet'] });
    await check();

    const otherModel = join(workspace, 'other-model');
    cpSync(TOY_MODEL_DIR, otherModel, { recursive: true });
    const manifest = join(otherModel, 'manifest.json');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('"id": "toy-clip"', '"id": "toy-clip-two"'));
    await library.useModel(otherModel);
    await library.index();
    assert.equal(library.activeModel()?.manifest.id, 'toy-clip-two');
    await check();
    library.setAlbumOverride('red things', blueIn, null);
    assert.ok(!(await library.album('red things')).members.some((m) => m.photoId === blueIn), 'back to the rule');
  });

  test('a photo repainted in place leaves the album its old content belonged to', async () => {
    const repainted = generated('red')[3]!;
    const id = library.store.photoByPath(repainted)!.id;
    assert.ok((await library.album('red things')).members.some((m) => m.photoId === id));
    await paintPhoto(repainted, 'blue', { seed: 77 });
    await library.index();
    assert.equal(library.store.photoByPath(repainted)!.id, id, 'the same photo, new content');
    assert.ok(!(await library.album('red things')).members.some((m) => m.photoId === id));
  });

  test('a negative prompt removes what it names', async () => {
    library.createAlbum({ name: 'warm colours', prompts: ['red', 'orange'] });
    const orange = library.store.photoByPath(generated('orange')[0]!)!.id;
    const red = library.store.photoByPath(generated('red')[0]!)!.id;
    let ids = (await library.album('warm colours')).members.map((m) => m.photoId);
    assert.ok(ids.includes(orange) && ids.includes(red));
    library.updateAlbum('warm colours', { negatives: ['orange'] });
    ids = (await library.album('warm colours')).members.map((m) => m.photoId);
    assert.ok(!ids.includes(orange), 'the orange photo left');
    assert.ok(ids.includes(red), 'the red photo stayed');
  });

  test('a photo says which albums it is in and why', async () => {
    const red = library.store.photoByPath(generated('red')[0]!)!.id;
    const albums = await library.albumsOfPhoto(red);
    const redThings = albums.find((a) => a.name === 'red things')!;
    assert.equal(redThings.member, true);
    assert.ok(redThings.score.score >= redThings.thresholds.score);
    assert.ok(albums.some((a) => a.name === 'warm colours' && a.member));
  });

  test('duplicate groups hold each photo with its copies and never two different photos', () => {
    const groups = library
      .duplicates()
      .map((group) => ({ keep: pathsOf([group.keep])[0]!, paths: pathsOf(group.photoIds) }));
    for (const [original, its] of copies) {
      const group = groups.find((g) => g.paths.includes(original));
      assert.ok(group, `${basename(original)} has a group`);
      assert.deepEqual(
        new Set(group.paths),
        new Set([original, ...its]),
        `${basename(original)}'s group is it and its copies`,
      );
      assert.ok(group.keep === original || !group.keep.includes('-half'), 'the full-size copy is the one to keep');
    }
    const originals = new Set(allGenerated());
    for (const group of groups) {
      assert.ok(
        group.paths.filter((p) => originals.has(p)).length <= 1,
        `never two different photos: ${group.paths.map((p) => basename(p))}`,
      );
    }
  });

  test('classify gives a red photo the highest probability of "red", and the probabilities sum to 1', async () => {
    const red = generated('red')[0]!;
    const data = join(workspace, 'data');
    const result = await runCli(['--data-dir', data, 'classify', red, '--label', 'red', 'blue', 'green', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const rows = JSON.parse(result.stdout) as { label: string; probability: number }[];
    assert.equal(rows[0]!.label, 'red');
    assert.ok(Math.abs(rows.reduce((sum, row) => sum + row.probability, 0) - 1) < 1e-9);
  });

  test('albums show --json lists paths and scores, best first', async () => {
    const data = join(workspace, 'data');
    const created = await runCli(['--data-dir', data, 'albums', 'create', 'blue sky', '--prompt', 'blue']);
    assert.equal(created.code, 0, created.stderr);
    const shown = JSON.parse((await runCli(['--data-dir', data, 'albums', 'show', 'blue sky', '--json'])).stdout) as {
      path: string;
      score: number;
    }[];
    assert.ok(shown.length >= generated('blue').length - 1);
    for (let i = 1; i < shown.length; i++) assert.ok(shown[i - 1]!.score >= shown[i]!.score);
    const list = JSON.parse((await runCli(['--data-dir', data, 'albums', 'list', '--json'])).stdout) as {
      name: string;
      photos: number;
    }[];
    assert.ok(list.some((album) => album.name === 'blue sky' && album.photos === shown.length));
    const starters = await runCli(['--data-dir', data, 'albums', 'starters', '--enable', 'pets', 'snow']);
    assert.equal(starters.code, 0, starters.stderr);
    const missing = await runCli(['--data-dir', data, 'albums', 'show', 'no such album']);
    assert.match(missing.stderr, /^shoebox: There is no album called "no such album"\.\n$/);
  });
});
