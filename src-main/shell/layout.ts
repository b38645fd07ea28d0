import { fileURLToPath } from 'node:url';
// The preload is CommonJS (a .cts file), which the project's `src-main/**/*.ts` pattern does not
// match: this type-only import (erased from the output) puts it in the same program, so
// `tsc -p tsconfig.json` type-checks it and emits dist/src-main/shell/preload.cjs. No other build.
import type {} from './preload.cjs';

// The built app's files, found from this module (dist/src-main/shell/), in a checkout or in app.asar.
/** The renderer, built by Vite (base './') into dist/renderer. */
export const RENDERER_DIR = fileURLToPath(new URL('../../renderer/', import.meta.url));
/** The preload, emitted beside this module. */
export const PRELOAD_PATH = fileURLToPath(new URL('./preload.cjs', import.meta.url));
