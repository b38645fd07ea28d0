import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { decodePhoto, DecodeError } from '../../src-main/worker/decode.js';
import type { ModelInputSpec } from '../../src-main/worker/preprocess.js';
import { needShared, tempDir } from '../helpers/env.js';

const CLIP: ModelInputSpec = {
  size: 224,
  mean: [0.48145466, 0.4578275, 0.40821073],
  std: [0.26862954, 0.26130258, 0.27577711],
  resize: 'shortest-edge-crop',
  interpolation: 'bicubic',
};

/** A PNG that claims to be width × height but carries almost no data. */
function pngHeaderOnly(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.alloc(16))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function meanAbsoluteDifference(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

/** Mean colour (0–255) of a decoded tensor, undoing the normalisation. */
function meanColour(tensor: Float32Array): number[] {
  const plane = CLIP.size * CLIP.size;
  return [0, 1, 2].map((c) => {
    let sum = 0;
    for (let i = 0; i < plane; i++) sum += tensor[c * plane + i]! * CLIP.std[c]! + CLIP.mean[c]!;
    return (sum / plane) * 255;
  });
}

/**
 * How close model inputs are to the reference preprocessing (mean absolute difference), as
 * decode.ts and docs/engine.md state it. A photo no larger than twice the model size is decoded
 * whole and matches exactly (measured 0.000); a larger one is shrunk on load to twice the model
 * size first, which costs about 0.011 (measured 0.0054 to 0.0123 on the references). A rotation,
 * crop, channel or normalisation mistake costs 0.07 or more, but shrinking bilinear instead of
 * bicubic costs only 0.017 to 0.022, which a bound of 0.03 let through.
 */
const EXACT = 0.001;
const SHRUNK_ON_LOAD = 0.013;

test('model inputs match the reference preprocessing of real photos, EXIF rotations included', async (t) => {
  const refs = needShared(t, 'clip', 'preprocess-refs');
  if (!refs) return;
  const index = JSON.parse(readFileSync(join(refs, 'index.json'), 'utf8')) as { image: string; tensor: string }[];
  const kinds = new Set<string>();
  for (const entry of index) {
    const image = join(refs, '..', '..', entry.image);
    // The displayed size (EXIF orientation applied) decides whether the photo is shrunk on load.
    const { width: stored = 0, height: other = 0, orientation = 1 } = await sharp(image).metadata();
    const [width, height] = orientation >= 5 ? [other, stored] : [stored, other];
    const shrunk = Math.min(width, height) > 2 * CLIP.size;
    kinds.add(shrunk ? 'shrunk' : 'exact');
    const tolerance = shrunk ? SHRUNK_ON_LOAD : EXACT;
    await t.test(`${entry.image} (${width}×${height}) within ${tolerance}`, async () => {
      const bytes = readFileSync(join(refs, entry.tensor));
      const reference = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      const decoded = await decodePhoto(image, CLIP, null);
      assert.equal(decoded.tensor.length, reference.length);
      const difference = meanAbsoluteDifference(decoded.tensor, reference);
      assert.ok(difference <= tolerance, `mean absolute difference ${difference.toFixed(5)} > ${tolerance}`);
    });
  }
  // Both claims are checked: the references hold photos of either kind.
  assert.deepEqual([...kinds].sort(), ['exact', 'shrunk']);
});

test('an EXIF-rotated photo reports its displayed dimensions', async (t) => {
  const photo = needShared(t, 'corpus', 'exif-samples', 'jpg', 'orientation', 'portrait_6.jpg');
  if (!photo) return;
  const header = await sharp(photo).metadata();
  const decoded = await decodePhoto(photo, CLIP, null);
  assert.equal(header.orientation, 6);
  assert.equal(decoded.width, header.height);
  assert.equal(decoded.height, header.width);
});

test('transparency is composited on white', async (t) => {
  const file = join(tempDir(t), 'clear.png');
  await sharp({ create: { width: 300, height: 300, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0 } } })
    .png()
    .toFile(file);
  const [r, g, b] = meanColour((await decodePhoto(file, CLIP, null)).tensor);
  for (const channel of [r, g, b]) assert.ok(channel! > 250, `channel ${channel}`);
});

test('16-bit, greyscale and palette images decode to the same colours as 8-bit RGB', async (t) => {
  const dir = tempDir(t);
  const rgb = join(dir, 'rgb.png');
  const deep = join(dir, 'deep.png');
  const grey = join(dir, 'grey.png');
  const palette = join(dir, 'palette.png');
  const gradient = Buffer.alloc(256 * 256 * 3);
  for (let i = 0; i < 256 * 256; i++) gradient.fill(i % 256, i * 3, i * 3 + 3);
  const raw = { raw: { width: 256, height: 256, channels: 3 as const } };
  await sharp(gradient, raw).png().toFile(rgb);
  await sharp(gradient, raw).toColourspace('rgb16').png().toFile(deep);
  await sharp(gradient, raw).greyscale().png().toFile(grey);
  await sharp(gradient, raw).png({ palette: true, colours: 256 }).toFile(palette);
  assert.equal((await sharp(deep).metadata()).depth, 'ushort');
  const reference = (await decodePhoto(rgb, CLIP, null)).tensor;
  for (const file of [deep, grey, palette]) {
    const difference = meanAbsoluteDifference((await decodePhoto(file, CLIP, null)).tensor, reference);
    assert.ok(difference < 0.03, `${file}: ${difference}`);
  }
});

test('a CMYK JPEG is converted to RGB with its colours intact', async (t) => {
  const file = join(tempDir(t), 'print.jpg');
  await sharp({ create: { width: 300, height: 300, channels: 3, background: { r: 220, g: 30, b: 30 } } })
    .toColourspace('cmyk')
    .jpeg()
    .toFile(file);
  assert.equal((await sharp(file).metadata()).space, 'cmyk');
  const [r, g, b] = meanColour((await decodePhoto(file, CLIP, null)).tensor);
  assert.ok(r! > 180 && g! < 80 && b! < 80, `expected red, got ${r}, ${g}, ${b}`);
});

test('an animated GIF is indexed by its first frame', async (t) => {
  const file = join(tempDir(t), 'anim.gif');
  const frames = Buffer.alloc(64 * 128 * 4);
  for (let i = 0; i < 64 * 128; i++) frames.set(i < 64 * 64 ? [0, 0, 255, 255] : [255, 0, 0, 255], i * 4);
  await sharp(frames, { raw: { width: 64, height: 128, channels: 4, pageHeight: 64 } as never })
    .gif()
    .toFile(file);
  assert.equal((await sharp(file).metadata()).pages, 2);
  const [r, , b] = meanColour((await decodePhoto(file, CLIP, null)).tensor);
  assert.ok(b! > 200 && r! < 60, `first frame should be blue, got r=${r} b=${b}`);
});

test('a decompression bomb is refused before it is decoded', async (t) => {
  const file = join(tempDir(t), 'bomb.png');
  writeFileSync(file, pngHeaderOnly(30000, 30000));
  await assert.rejects(
    decodePhoto(file, CLIP, null),
    (error: unknown) => error instanceof DecodeError && /too large/.test(error.message),
  );
});

test('a thumbnail is written as WebP with its shorter side 256 px', async (t) => {
  const dir = tempDir(t);
  const photo = join(dir, 'wide.jpg');
  await sharp({ create: { width: 1600, height: 900, channels: 3, background: '#3366cc' } })
    .jpeg()
    .toFile(photo);
  const thumbnail = join(dir, 'thumbs', 'ab', 'abc.webp');
  await decodePhoto(photo, CLIP, thumbnail);
  assert.ok(existsSync(thumbnail));
  const meta = await sharp(thumbnail).metadata();
  assert.equal(meta.format, 'webp');
  assert.equal(Math.min(meta.width!, meta.height!), 256);
});

test('a file that is not an image fails with a readable reason', async (t) => {
  const file = join(tempDir(t), 'notes.jpg');
  writeFileSync(file, 'shopping list: milk, eggs');
  await assert.rejects(decodePhoto(file, CLIP, null), /not a readable image/);
});
