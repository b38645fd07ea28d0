import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface Rectangle {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** What is remembered between runs: the window's normal (unmaximised) bounds, and whether it was maximised. */
export interface WindowState {
  bounds: Rectangle;
  maximized: boolean;
}

export const WINDOW_STATE_FILE = 'window-state.json';
export const DEFAULT_SIZE = { width: 1280, height: 820 };
export const MIN_SIZE = { width: 640, height: 480 };
/** How much of a window's top edge must lie on a screen for it to be grabbed and moved. */
const GRAB_WIDTH = 100;
const GRAB_HEIGHT = 32;

export function windowStatePath(dataDir: string): string {
  return join(dataDir, WINDOW_STATE_FILE);
}

function isRectangle(value: unknown): value is Rectangle {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (['x', 'y', 'width', 'height'] as const).every((key) => Number.isFinite(r[key]));
}

/** The remembered state, or null when there is none or the file is damaged. */
export function readWindowState(file: string): WindowState | null {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
  if (typeof data !== 'object' || data === null) return null;
  const { bounds, maximized } = data as Record<string, unknown>;
  if (!isRectangle(bounds) || bounds.width <= 0 || bounds.height <= 0) return null;
  return {
    bounds: {
      x: Math.round(bounds.x),
      y: Math.round(bounds.y),
      width: Math.round(bounds.width),
      height: Math.round(bounds.height),
    },
    maximized: maximized === true,
  };
}

/** Writes the state (whole or not at all); failing to remember a window is not worth an error. */
export function writeWindowState(file: string, state: WindowState): boolean {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(temporary, JSON.stringify(state) + '\n');
    renameSync(temporary, file);
    return true;
  } catch {
    return false;
  }
}

function overlap(a: Rectangle, b: Rectangle): { width: number; height: number } {
  return {
    width: Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)),
    height: Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)),
  };
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), Math.max(low, high));
}

/**
 * Where to open the window, given the remembered state and the displays' work areas (the
 * primary display first). The remembered place is used only when the window's top edge is on a
 * screen that is still there; the window is then shrunk and moved to lie wholly on that screen.
 * Otherwise the remembered (or default) size, fitted to the primary screen, with no position:
 * the window is centred.
 */
export function placeWindow(
  saved: WindowState | null,
  workAreas: readonly Rectangle[],
): { bounds: { x?: number; y?: number; width: number; height: number }; maximized: boolean } {
  const primary = workAreas[0];
  const fit = (size: { width: number; height: number }, area: Rectangle | undefined) => ({
    width: area ? clamp(size.width, Math.min(MIN_SIZE.width, area.width), area.width) : size.width,
    height: area ? clamp(size.height, Math.min(MIN_SIZE.height, area.height), area.height) : size.height,
  });
  if (!saved) return { bounds: fit(DEFAULT_SIZE, primary), maximized: false };
  const titleBar = { ...saved.bounds, height: Math.min(GRAB_HEIGHT, saved.bounds.height) };
  let best: Rectangle | undefined;
  let bestWidth = 0;
  for (const area of workAreas) {
    const shared = overlap(titleBar, area);
    if (shared.height > 0 && shared.width > bestWidth) {
      best = area;
      bestWidth = shared.width;
    }
  }
  if (!best || bestWidth < Math.min(GRAB_WIDTH, saved.bounds.width)) {
    return { bounds: fit(saved.bounds, primary), maximized: saved.maximized };
  }
  const size = fit(saved.bounds, best);
  return {
    bounds: {
      x: clamp(saved.bounds.x, best.x, best.x + best.width - size.width),
      y: clamp(saved.bounds.y, best.y, best.y + best.height - size.height),
      ...size,
    },
    maximized: saved.maximized,
  };
}
