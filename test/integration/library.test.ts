import assert from 'node:assert/strict';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, afterEach, before, describe, test, type TestContext } from 'node:test';
import { Library } from '../../src-main/engine/library.js';
import { TOY_MODEL_DIR, sharedPath } from '../helpers/env.js';
import { buildFixtureLibrary, copyFixtureLibrary, listFiles, type FixtureLibrary } from '../helpers/library-fixture.js';
import { paintPhoto } from '../helpers/photos.js';

/*
 * Two kinds of tests, so that none depends on another's leftovers or on the order they run in:
 * the read-only ones share one library of generated and real photos, indexed once, which they must
 * not change (checked after each); every test that changes photos, folders, patterns or the model
 * gets a library of its own, made from a copy of the generated photos.
 */
describe('a library of generated and real photos, indexed with the toy model', () => {
  let workspace: string;
  /** The generated photos alone, never indexed in place: each changing test copies them. */
  let template: FixtureLibrary;

  before(async () => {
    workspace = mkdtempSync(join(tmpdir(), 'shoebox-library-'));
    template = await buildFixtureLibrary(join(workspace, 'template'), null);
  });

  after(() => rmSync(workspace, { recursive: true, force: true }));

  /** A library of its own for one test: a copy of the generated photos, indexed; gone after the test. */
  async function ownLibrary(t: TestContext) {
    const own = mkdtempSync(join(workspace, 'own-'));
    const fixture = copyFixtureLibrary(template, join(own, 'photos'));
    const library = Library.open({ dataDir: join(own, 'data'), indexer: { batchSize: 8 } });
    t.after(() => library.close());
    await library.useModel(TOY_MODEL_DIR);
    await library.addFolder(fixture.root);
    await library.index();
    const colourPhotos = (colour: string) => fixture.byColour.get(colour as never) ?? [];
    return { library, fixture, workspace: own, colourPhotos };
  }

  const paths = (hits: { path: string }[]) => hits.map((hit) => hit.path);

  describe('reading one shared library, which no test changes', () => {
    let fixture: FixtureLibrary;
    let library: Library;
    let untouched: string;

    /** What a read-only test must leave as it found it: the counts, the folders and the files. */
    const snapshot = () => {
      const { files, indexed, pending, failed, skipped, folders } = library.status();
      const onDisk = listFiles(fixture.root).map((path) => {
        const { size, mtimeMs } = statSync(path);
        return [path, size, mtimeMs];
      });
      return JSON.stringify({ files, indexed, pending, failed, skipped, folders, onDisk });
    };

    before(async () => {
      const corpus = sharedPath('corpus', 'exif-samples');
      fixture = await buildFixtureLibrary(join(workspace, 'photos'), corpus);
      library = Library.open({ dataDir: join(workspace, 'data'), indexer: { batchSize: 8 } });
      await library.useModel(TOY_MODEL_DIR);
      await library.addFolder(fixture.root);
      await library.index();
      untouched = snapshot();
    });

    afterEach(() => assert.equal(snapshot(), untouched, 'a read-only test changed the shared library'));

    after(() => library?.close());

    const colourPhotos = (colour: string) => fixture.byColour.get(colour as never) ?? [];

    test('every file under the folder ends indexed, failed with a reason, or skipped with a reason', () => {
      const status = library.status();
      const { failures, skippedFiles } = library.fileReasons();
      assert.equal(status.pending, 0);
      assert.equal(status.files, listFiles(fixture.root).length);
      assert.equal(status.files, status.indexed + status.failed + status.skipped);
      for (const entry of [...failures, ...skippedFiles]) assert.ok(entry.reason.length > 5, entry.path);
    });

    test('broken files fail with their reason while everything else indexes', () => {
      const { failures } = library.fileReasons();
      const reasonFor = (name: string) => failures.find((f) => basename(f.path) === name)?.reason;
      assert.match(reasonFor('empty.jpg') ?? '', /empty/);
      assert.match(reasonFor('notes.jpg') ?? '', /not a readable image/);
      assert.match(reasonFor('truncated.jpg') ?? '', /damaged/);
      const expected = new Set(['empty.jpg', 'notes.jpg', 'truncated.jpg']);
      if (fixture.corpusDir) expected.add('corrupted.jpg');
      assert.deepEqual(new Set(failures.map((f) => basename(f.path))), expected);
    });

    test('photos with malformed metadata still index when their pixels decode', (t) => {
      if (!fixture.corpusDir) return t.skip('no corpus');
      const indexed = new Set(
        listFiles(join(fixture.corpusDir, 'jpg', 'invalid')).concat(listFiles(join(fixture.corpusDir, 'jpg', 'tests'))),
      );
      const { failures, skippedFiles } = library.fileReasons();
      for (const entry of [...failures, ...skippedFiles]) {
        if (indexed.has(entry.path)) assert.ok(basename(entry.path) === 'README', `${entry.path}: ${entry.reason}`);
      }
    });

    test('formats that cannot be decoded yet are skipped with a reason that names them', (t) => {
      if (!fixture.corpusDir) return t.skip('no corpus');
      const { skippedFiles } = library.fileReasons();
      const heic = skippedFiles.filter((f) => /\.(heic|heif)$/i.test(f.path));
      assert.ok(heic.length >= 3);
      for (const entry of heic) assert.match(entry.reason, /HEI[CF]/);
      assert.ok(skippedFiles.some((f) => basename(f.path) === 'README' && f.reason === 'not a photo'));
    });

    test('real photos record their camera, capture date and position', (t) => {
      if (!fixture.corpusDir) return t.skip('no corpus');
      const gps = library.store.photoByPath(join(fixture.corpusDir, 'jpg', 'gps', 'DSCN0010.jpg'))!;
      const details = library.photoDetails([gps.id]).get(gps.id)!;
      assert.equal(details.cameraMake, 'NIKON');
      assert.ok(details.latitude! > 43 && details.latitude! < 44, `latitude ${details.latitude}`);
      assert.equal(new Date(details.takenAt).getFullYear(), 2008);
      assert.equal(details.width, 640);
      assert.ok(details.hasThumbnail && existsSync(library.thumbnailPath(details)!));
    });

    test('a colour word ranks the photos of that colour above all others', async () => {
      for (const colour of ['red', 'blue', 'green', 'yellow']) {
        const expected = colourPhotos(colour);
        for (const query of [colour, `a ${colour} photo`]) {
          const hits = await library.search(query, { limit: expected.length });
          assert.deepEqual(new Set(paths(hits)), new Set(expected), `query "${query}"`);
        }
      }
    });

    test('results come best first with scores, and pages continue where the last one ended', async () => {
      const all = await library.search('red', { limit: 10 });
      for (let i = 1; i < all.length; i++) assert.ok(all[i - 1]!.score >= all[i]!.score);
      const page = await library.search('red', { limit: 3, offset: 2 });
      assert.deepEqual(paths(page), paths(all.slice(2, 5)));
    });

    test('similar photos of a red photo are the other red photos, never itself', async () => {
      const [first, ...others] = colourPhotos('red');
      const hits = await library.similar(first!, { limit: others.length });
      assert.deepEqual(new Set(paths(hits)), new Set(others));
    });

    test('a photo path in a query stands for that photo and is left out of the results', async () => {
      const [first, ...others] = colourPhotos('blue');
      const hits = await library.search(first!, { limit: others.length });
      assert.deepEqual(new Set(paths(hits)), new Set(others));
    });

    test('query arithmetic adds, weighs and subtracts concepts', async () => {
      const blues = colourPhotos('blue');
      const greens = colourPhotos('green');
      // Among the generated photos: a real landscape of sky and grass rightly beats both.
      const folders = [fixture.coloursDir];
      const both = await library.search('blue + green', { limit: blues.length + greens.length, folders });
      assert.deepEqual(new Set(paths(both)), new Set([...blues, ...greens]));
      const greenHeavy = await library.search('blue + 3:green', { limit: greens.length, folders });
      assert.deepEqual(new Set(paths(greenHeavy)), new Set(greens));
      const blueHeavy = await library.search('"3:blue" + "green"', { limit: blues.length, folders });
      assert.deepEqual(new Set(paths(blueHeavy)), new Set(blues));
      const everything = await library.search('red - blue', { limit: 1000, folders });
      assert.deepEqual(
        new Set(paths(everything.slice(-blues.length))),
        new Set(blues),
        'subtracted colour sinks to the bottom',
      );
    });

    test('folder and date filters narrow the results', async (t) => {
      const inColours = await library.search('red', { limit: 1000, folders: [fixture.coloursDir] });
      assert.ok(inColours.length > 0 && inColours.every((hit) => hit.path.startsWith(fixture.coloursDir)));
      if (!fixture.corpusDir) return t.skip('no corpus');
      const before2015 = await library.search('red', { limit: 1000, takenTo: new Date(2015, 0, 1).getTime() });
      assert.ok(before2015.length > 0);
      assert.ok(
        before2015.every((hit) => hit.path.startsWith(fixture.corpusDir!)),
        'generated photos are dated today',
      );
    });
  });

  describe('changing a library: each test on its own', () => {
    test('a renamed and moved photo keeps its embedding without being encoded again', async (t) => {
      const { library, fixture, colourPhotos } = await ownLibrary(t);
      const red = colourPhotos('red')[1]!;
      const before = (await library.search('red', { limit: 4 })).find((hit) => hit.path === red)!;
      const movedTo = join(fixture.coloursDir, 'moved', 'renamed-scarlet.jpg');
      mkdirSync(join(fixture.coloursDir, 'moved'), { recursive: true });
      renameSync(red, movedTo);
      const requested = library.encoderStats().imagesRequested;
      const { scan, index } = await library.index();
      assert.equal(scan.moved, 1);
      assert.equal(index.encoded, 0);
      assert.equal(library.encoderStats().imagesRequested, requested, 'no photo was sent to the encoder');
      const after = await library.search('red', { limit: 4 });
      const moved = after.find((hit) => hit.path === movedTo);
      assert.ok(moved, 'the moved photo is found at its new path');
      assert.equal(moved.photoId, before.photoId);
      assert.ok(Math.abs(moved.score - before.score) < 1e-6);
      assert.ok(!paths(after).includes(red));
    });

    test('a photo moved to another library folder is found by that folder, not the old one', async (t) => {
      const { library, fixture, workspace, colourPhotos } = await ownLibrary(t);
      const second = join(workspace, 'second-folder');
      mkdirSync(second, { recursive: true });
      await library.addFolder(second);
      const pink = colourPhotos('pink')[0]!;
      const movedTo = join(second, 'pink-moved.jpg');
      renameSync(pink, movedTo);
      const { scan, index } = await library.index();
      assert.deepEqual([scan.moved, index.encoded], [1, 0]);
      assert.ok(paths(await library.search('pink', { limit: 3, folders: [second] })).includes(movedTo));
      assert.ok(!paths(await library.search('pink', { limit: 50, folders: [fixture.root] })).includes(movedTo));
    });

    test('a copy of a known photo is indexed from the copy, not encoded again', async (t) => {
      const { library, fixture, colourPhotos } = await ownLibrary(t);
      const original = colourPhotos('yellow')[0]!;
      const copy = join(fixture.coloursDir, 'copy-of-yellow.jpg');
      copyFileSync(original, copy);
      const indexedBefore = library.status().indexed;
      const { scan, index } = await library.index();
      // Known bytes at a new path are searchable as soon as the scan records the path.
      assert.deepEqual([scan.added, index.encoded], [1, 0]);
      assert.equal(library.status().indexed, indexedBefore + 1);
      const hits = await library.search('yellow', { limit: 3 });
      assert.ok(paths(hits).includes(copy));
    });

    test('a photo changed in place is encoded again and found by its new content', async (t) => {
      const { library, colourPhotos } = await ownLibrary(t);
      const target = colourPhotos('green')[0]!;
      await paintPhoto(target, 'purple', { seed: 99 });
      const { scan, index } = await library.index();
      assert.equal(scan.changed, 1);
      assert.equal(index.encoded, 1);
      assert.ok(paths(await library.search('purple', { limit: 2 })).includes(target));
      assert.ok(!paths(await library.search('green', { limit: 2 })).includes(target));
    });

    test('a deleted photo leaves the search results and the counts', async (t) => {
      const { library, colourPhotos } = await ownLibrary(t);
      const gone = colourPhotos('blue')[2]!;
      const before = library.status();
      rmSync(gone);
      const { scan } = await library.index();
      assert.equal(scan.removed, 1);
      assert.equal(library.status().indexed, before.indexed - 1);
      assert.ok(!paths(await library.search('blue', { limit: 100 })).includes(gone));
    });

    test('a removed library folder takes its photos out of search, and re-adding brings them back', async (t) => {
      const { library, workspace } = await ownLibrary(t);
      const extra = join(workspace, 'extra');
      const pink = await paintPhoto(join(extra, 'pink-extra.jpg'), 'pink', { seed: 500 });
      await library.addFolder(extra);
      await library.index();
      assert.ok(paths(await library.search('pink', { limit: 2 })).includes(pink));
      await library.removeFolder(extra);
      assert.ok(!paths(await library.search('pink', { limit: 10 })).includes(pink));
      assert.ok(!library.status().folders.includes(extra));
    });

    test('an unreachable folder (an unplugged drive) keeps its photos until it comes back', async (t) => {
      const { library, workspace } = await ownLibrary(t);
      const drive = join(workspace, 'usb-drive');
      const orange = await paintPhoto(join(drive, 'orange-on-usb.jpg'), 'orange', { seed: 600 });
      await library.addFolder(drive);
      await library.index();
      renameSync(drive, `${drive}-unplugged`);
      const away = await library.index();
      assert.deepEqual(away.scan.unreachable, [drive]);
      assert.equal(away.scan.removed, 0);
      assert.ok(paths(await library.search('orange', { limit: 3 })).includes(orange));
      renameSync(`${drive}-unplugged`, drive);
      const back = await library.index();
      assert.deepEqual([back.scan.added, back.scan.removed, back.index.encoded], [0, 0, 0]);
      await library.removeFolder(drive);
    });

    test('the search index rebuilt from stored embeddings answers as before', async (t) => {
      const { library } = await ownLibrary(t);
      const before = await library.search('green + yellow', { limit: 10 });
      const { index_table: table } = library.db.prepare('SELECT index_table FROM models').get() as {
        index_table: string;
      };
      library.db.exec(`DELETE FROM ${table}`);
      assert.equal((await library.search('green', { limit: 5 })).length, 0);
      assert.equal(await library.rebuildSearchIndex(), library.status().indexed);
      assert.deepEqual(await library.search('green + yellow', { limit: 10 }), before);
    });

    test('ignore patterns take matching files out of the library at the next scan', async (t) => {
      const { library, colourPhotos } = await ownLibrary(t);
      const purple = colourPhotos('purple')[0]!;
      await library.setIgnorePatterns(['purple-*']);
      await library.index();
      assert.equal(library.store.photoByPath(purple), undefined);
      assert.ok(!paths(await library.search('purple', { limit: 20 })).includes(purple));
      await library.setIgnorePatterns([]);
      const { scan } = await library.index();
      assert.equal(scan.added, 1);
      assert.ok(paths(await library.search('purple', { limit: 20 })).includes(purple));
    });

    test('a new model is prepared in the background while search keeps using the current one', async (t) => {
      const { library, workspace } = await ownLibrary(t);
      const otherModel = join(workspace, 'other-model');
      cpSync(TOY_MODEL_DIR, otherModel, { recursive: true });
      const manifestPath = join(otherModel, 'manifest.json');
      writeFileSync(
        manifestPath,
        readFileSync(manifestPath, 'utf8').replace('"id": "toy-clip"', '"id": "toy-clip-copy"'),
      );
      const indexed = library.status().indexed;
      // A new model gives failed photos another chance (an empty file would only fail again).
      const retried = library.fileReasons().failures.filter((failure) => statSync(failure.path).size > 0).length;
      const before = await library.search('red', { limit: 5 });
      const switched = await library.useModel(otherModel);
      assert.deepEqual(switched, { changed: true, pending: indexed + retried });
      assert.equal(library.status().model?.id, 'toy-clip');
      assert.equal(library.status().nextModel?.id, 'toy-clip-copy');
      assert.deepEqual(
        await library.search('red', { limit: 5 }),
        before,
        'search still answers from the current model',
      );

      const { index } = await library.index();
      assert.equal(index.encoded, indexed);
      const status = library.status();
      assert.equal(status.model?.id, 'toy-clip-copy', 'the new model took over once every photo was encoded');
      assert.equal(status.nextModel, null);
      assert.deepEqual(paths(await library.search('red', { limit: 5 })), paths(before));
      const models = library.db.prepare('SELECT model_id AS id FROM embeddings GROUP BY model_id').all();
      assert.equal(models.length, 2, 'each embedding is tagged with its model');
    });
  });
});
