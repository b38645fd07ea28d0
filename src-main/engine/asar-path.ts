/**
 * The path of a file that electron-builder unpacked (asarUnpack) next to the archive. Code inside
 * `app.asar` computes paths inside it (sqlite-vec's `getLoadablePath()` does), but a shared
 * library must be loaded from a real file: `…/app.asar/node_modules/x` → `…/app.asar.unpacked/node_modules/x`.
 * Paths outside an archive (development, the CLI) come back unchanged. Either separator.
 */
export function unpackedAsarPath(path: string): string {
  return path.replace(/([\\/])app\.asar(?=[\\/])/, '$1app.asar.unpacked');
}
