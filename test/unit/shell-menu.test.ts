import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MenuItemConstructorOptions } from 'electron';
import { buildMenuTemplate } from '../../src-main/shell/menu.js';

function flatten(items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return items.flatMap((item) => [
    item,
    ...(Array.isArray(item.submenu) ? flatten(item.submenu as MenuItemConstructorOptions[]) : []),
  ]);
}

const roles = (items: MenuItemConstructorOptions[]) => flatten(items).flatMap((item) => (item.role ? [item.role] : []));

test('File offers Add Folder…, which calls back, and Quit; Help offers About', () => {
  let added = 0;
  const menu = buildMenuTemplate({ platform: 'linux', development: false, onAddFolder: () => added++ });
  assert.deepEqual(
    menu.map((item) => item.label ?? item.role),
    ['File', 'Edit', 'View', 'help'],
  );
  const addFolder = flatten(menu).find((item) => item.label === 'Add Folder…')!;
  (addFolder.click as () => void)();
  assert.equal(added, 1);
  assert.ok(roles(menu).includes('quit'));
  assert.ok(roles(menu).includes('about'));
  assert.ok(roles(menu).includes('paste'), 'text fields get the usual editing shortcuts');
});

test('reload and developer tools exist only in development', () => {
  const packaged = roles(buildMenuTemplate({ platform: 'win32', development: false, onAddFolder: () => undefined }));
  for (const role of ['reload', 'forceReload', 'toggleDevTools']) assert.equal(packaged.includes(role as never), false);
  const development = roles(buildMenuTemplate({ platform: 'win32', development: true, onAddFolder: () => undefined }));
  for (const role of ['reload', 'forceReload', 'toggleDevTools']) assert.ok(development.includes(role as never));
});

test('macOS gets the app menu and the Window menu, with Close instead of Quit in File', () => {
  const menu = buildMenuTemplate({ platform: 'darwin', development: false, onAddFolder: () => undefined });
  assert.equal(menu[0]!.role, 'appMenu');
  assert.equal(menu.at(-1)!.role, 'windowMenu');
  const file = menu.find((item) => item.label === 'File')!;
  assert.deepEqual(roles([file]), ['close']);
});
