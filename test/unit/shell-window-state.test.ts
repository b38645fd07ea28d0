import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  DEFAULT_SIZE,
  placeWindow,
  readWindowState,
  windowStatePath,
  writeWindowState,
} from '../../src-main/shell/window-state.js';
import { tempDir } from '../helpers/env.js';

const LAPTOP = { x: 0, y: 25, width: 1440, height: 875 };
const LEFT_MONITOR = { x: -1920, y: 0, width: 1920, height: 1080 };

test('the window state is written to the data folder and read back', (t) => {
  const dir = tempDir(t);
  const file = windowStatePath(dir);
  assert.equal(readWindowState(file), null, 'nothing remembered yet');
  const state = { bounds: { x: 100, y: 120, width: 1000, height: 700 }, maximized: true };
  assert.ok(writeWindowState(file, state));
  assert.deepEqual(readWindowState(file), state);
  assert.deepEqual(readdirSync(dir), ['window-state.json'], 'no temporary file is left behind');
});

test('a damaged or odd state file is ignored', (t) => {
  const file = join(tempDir(t), 'window-state.json');
  for (const content of [
    '{',
    'null',
    '[]',
    '{"bounds":{"x":0,"y":0,"width":"wide","height":10}}',
    '{"bounds":{"x":0,"y":0,"width":0,"height":10}}',
    '{"bounds":{"x":1e400,"y":0,"width":10,"height":10}}',
  ]) {
    writeFileSync(file, content);
    assert.equal(readWindowState(file), null, content);
  }
  writeFileSync(file, '{"bounds":{"x":1.6,"y":2,"width":900.4,"height":600},"maximized":"yes"}');
  assert.deepEqual(readWindowState(file), { bounds: { x: 2, y: 2, width: 900, height: 600 }, maximized: false });
});

test('a failed write says so instead of throwing', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'file'), '');
  assert.equal(writeWindowState(join(dir, 'file', 'window-state.json'), { bounds: LAPTOP, maximized: false }), false);
});

test('with nothing remembered the window opens centred at the default size', () => {
  assert.deepEqual(placeWindow(null, [LAPTOP]), { bounds: DEFAULT_SIZE, maximized: false });
  const small = { x: 0, y: 0, width: 1024, height: 600 };
  assert.deepEqual(placeWindow(null, [small]).bounds, { width: 1024, height: 600 });
});

test('a window on a screen that is still there comes back where it was', () => {
  const saved = { bounds: { x: 200, y: 100, width: 1000, height: 700 }, maximized: false };
  assert.deepEqual(placeWindow(saved, [LAPTOP]), saved);
  const left = { bounds: { x: -1700, y: 50, width: 1200, height: 800 }, maximized: true };
  assert.deepEqual(placeWindow(left, [LAPTOP, LEFT_MONITOR]), left);
});

test('a window on a screen that is gone opens centred on the primary screen, at a size that fits', () => {
  const left = { bounds: { x: -1700, y: 50, width: 1500, height: 1000 }, maximized: false };
  assert.deepEqual(placeWindow(left, [LAPTOP]), { bounds: { width: 1440, height: 875 }, maximized: false });
});

test('a window whose title bar is off the screen is not restored there', () => {
  const above = { bounds: { x: 100, y: -600, width: 800, height: 620 }, maximized: false };
  assert.equal(placeWindow(above, [LAPTOP]).bounds.x, undefined);
  const sliver = { bounds: { x: 1400, y: 100, width: 800, height: 600 }, maximized: false };
  assert.equal(placeWindow(sliver, [LAPTOP]).bounds.x, undefined, 'only 40 px of it would show');
});

test('a window partly off its screen is moved and shrunk to lie wholly on it', () => {
  const hanging = { bounds: { x: 1000, y: 500, width: 900, height: 700 }, maximized: false };
  assert.deepEqual(placeWindow(hanging, [LAPTOP]).bounds, { x: 540, y: 200, width: 900, height: 700 });
  const huge = { bounds: { x: 10, y: 30, width: 3000, height: 2000 }, maximized: false };
  assert.deepEqual(placeWindow(huge, [LAPTOP]).bounds, { x: 0, y: 25, width: 1440, height: 875 });
});
