import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

const fromRoot = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// `npm run dev:renderer` talks to a running `shoebox serve` when SHOEBOX_SERVE_URL names it.
const engineUrl = process.env.SHOEBOX_SERVE_URL;

export default defineConfig({
  root: fromRoot('./src-renderer'),
  // Relative asset URLs: the same build is served at / by `shoebox serve` and loaded from disk by Electron.
  base: './',
  plugins: [svelte({ configFile: fromRoot('./svelte.config.js') })],
  resolve: { alias: { $lib: fromRoot('./src-renderer/src/lib') } },
  build: {
    outDir: fromRoot('./dist/renderer'),
    emptyOutDir: true,
    // Every asset stays a file of its own, so the CSP needs no data: or inline allowances for them.
    assetsInlineLimit: 0,
  },
  server: engineUrl
    ? {
        proxy: {
          '/api': { target: engineUrl, ws: true },
          '/media': { target: engineUrl },
        },
      }
    : {},
});
