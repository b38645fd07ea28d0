import type { ShoeboxBridge } from '$lib/api/ipc-transport.js';

declare global {
  interface Window {
    shoebox?: ShoeboxBridge;
  }
}
