import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { test } from 'node:test';
import { unpackedAsarPath } from '../../src-main/engine/asar-path.js';
import { REPO_ROOT } from '../helpers/env.js';

/** electron-builder's own config validator, glob matcher and YAML reader (its dependencies, resolved through it). */
const builderRequire = createRequire(
  createRequire(createRequire(import.meta.url).resolve('electron-builder')).resolve('app-builder-lib'),
);
const yaml = builderRequire('js-yaml') as { load(text: string): unknown };
const { minimatch } = builderRequire('minimatch') as { minimatch(path: string, pattern: string): boolean };
const { validateConfiguration } = builderRequire('app-builder-lib/out/util/config/config.js') as {
  validateConfiguration(config: unknown, logger: { isEnabled: boolean; add(): void }): Promise<void>;
};

interface BuilderConfig {
  files: string[];
  asarUnpack: string[];
  electronFuses: Record<string, boolean>;
  linux: { files: string[]; target: string[] };
  mac: { files: string[]; target: string };
  win: { files: string[]; target: string };
}

function builderConfig(): BuilderConfig {
  return yaml.load(readFileSync(join(REPO_ROOT, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
}

/** Every file of the app's production dependencies (the packages electron-builder ships) that is native code. */
function shippedNativeFiles(): string[] {
  const found = new Set<string>();
  const stack: [string, string][] = [];
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  for (const name of Object.keys(pkg.dependencies)) stack.push([name, REPO_ROOT]);
  const locate = (name: string, from: string): string | null => {
    for (let dir = from; ; dir = dirname(dir)) {
      const candidate = join(dir, 'node_modules', name);
      if (existsSync(join(candidate, 'package.json'))) return candidate;
      if (dirname(dir) === dir) return null;
    }
  };
  while (stack.length > 0) {
    const [name, from] = stack.pop()!;
    const dir = locate(name, from);
    if (!dir || found.has(dir)) continue;
    found.add(dir);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, object | undefined>;
    for (const dependency of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) {
      stack.push([dependency, dir]);
    }
  }
  const native: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(path);
      } else if (/\.(node|dylib|dll)$|\.so(\.|$)/.test(entry.name)) {
        native.push(relative(REPO_ROOT, path).split(sep).join('/'));
      }
    }
  };
  for (const dir of found) walk(dir);
  return native;
}

test('paths inside app.asar are rewritten to app.asar.unpacked, others are left alone', () => {
  assert.equal(
    unpackedAsarPath('/opt/Shoebox/resources/app.asar/node_modules/sqlite-vec-linux-x64/vec0.so'),
    '/opt/Shoebox/resources/app.asar.unpacked/node_modules/sqlite-vec-linux-x64/vec0.so',
  );
  assert.equal(
    unpackedAsarPath('C:\\Program Files\\Shoebox\\resources\\app.asar\\node_modules\\sqlite-vec-windows-x64\\vec0.dll'),
    'C:\\Program Files\\Shoebox\\resources\\app.asar.unpacked\\node_modules\\sqlite-vec-windows-x64\\vec0.dll',
  );
  for (const path of [
    '/opt/Shoebox/resources/app.asar.unpacked/node_modules/x/vec0.so',
    '/home/me/shoebox/node_modules/sqlite-vec-linux-x64/vec0.so',
    '/home/me/my.app.asar.d/vec0.so',
    '/home/me/app.asar',
  ]) {
    assert.equal(unpackedAsarPath(path), path);
  }
});

test('electron-builder.yml is valid for electron-builder 26', async () => {
  await validateConfiguration(builderConfig(), { isEnabled: false, add: () => undefined });
});

test('the packaged app cannot be run as Node, given Node options or inspected, and loads only its asar', () => {
  assert.deepEqual(builderConfig().electronFuses, {
    runAsNode: false,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
    grantFileProtocolExtraPrivileges: false,
  });
});

test('every native file the app ships is unpacked from the asar archive', () => {
  const { asarUnpack } = builderConfig();
  const native = shippedNativeFiles();
  assert.ok(
    native.some((path) => path.includes('better_sqlite3.node')),
    'the walk finds native files',
  );
  assert.ok(native.some((path) => /sqlite-vec-[^/]+\/vec0\./.test(path)));
  const packed = native.filter((path) => !asarUnpack.some((pattern) => minimatch(path, pattern)));
  assert.deepEqual(packed, []);
});

test('each platform ships only its own onnxruntime binaries', () => {
  const config = builderConfig();
  const binaries = shippedNativeFiles().filter((path) => path.startsWith('node_modules/onnxruntime-node/bin/'));
  for (const [platform, own] of [
    ['linux', 'linux'],
    ['mac', 'darwin'],
    ['win', 'win32'],
  ] as const) {
    const excludes = config[platform].files.map((pattern) => pattern.replace(/^!/, ''));
    for (const path of binaries) {
      const excluded = excludes.some((pattern) => minimatch(path, pattern));
      assert.equal(excluded, !path.includes(`/napi-v6/${own}/`), `${platform}: ${path}`);
    }
  }
  assert.deepEqual(config.linux.target, ['AppImage', 'deb']);
  assert.equal(config.mac.target, 'dmg');
  assert.equal(config.win.target, 'nsis');
});

test('the app ships its compiled code and renderer but not the tests, and package.json points at the shell', () => {
  const { files } = builderConfig();
  const included = (path: string) => {
    let result = false;
    for (const pattern of files) {
      if (pattern.startsWith('!')) {
        if (minimatch(path, pattern.slice(1))) result = false;
      } else if (minimatch(path, pattern)) result = true;
    }
    return result;
  };
  for (const path of [
    'dist/src-main/shell/main.js',
    'dist/src-main/shell/preload.cjs',
    'dist/src-main/worker/worker-main.js',
    'dist/renderer/index.html',
    'resources/models/catalogue.json',
    'package.json',
  ]) {
    assert.ok(included(path), path);
  }
  for (const path of [
    'dist/test/unit/shell-packaging.test.js',
    'dist/scripts/bench.js',
    'dist/src-main/shell/main.js.map',
  ]) {
    assert.equal(included(path), false, path);
  }
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { main: string };
  assert.equal(pkg.main, 'dist/src-main/shell/main.js');
});
