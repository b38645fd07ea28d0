import { formatMonth } from './format.js';

export type GridRow = { kind: 'month'; label: string } | { kind: 'photos'; start: number; end: number };

export interface GridLayout {
  rows: GridRow[];
  /** The row that holds each photo, by photo index. */
  rowOf: Int32Array;
  columns: number;
  tileSize: number;
}

export const TILE_GAP = 4;
export const MONTH_HEADER_HEIGHT = 56;

function columnsFor(width: number, targetTile: number): number {
  return Math.max(2, Math.floor((width + TILE_GAP) / (targetTile + TILE_GAP)));
}

/**
 * Rows of square tiles that fill the width. With `takenAt`, photos are grouped by month under a
 * header row; photos arrive newest first, so a month is one run of consecutive photos.
 */
export function layoutGrid(count: number, width: number, targetTile: number, takenAt?: readonly number[]): GridLayout {
  const columns = columnsFor(width, targetTile);
  const tileSize = Math.max(1, (width - TILE_GAP * (columns - 1)) / columns);
  const rows: GridRow[] = [];
  const rowOf = new Int32Array(count);

  const addPhotoRows = (start: number, end: number): void => {
    for (let rowStart = start; rowStart < end; rowStart += columns) {
      const rowEnd = Math.min(rowStart + columns, end);
      rowOf.fill(rows.length, rowStart, rowEnd);
      rows.push({ kind: 'photos', start: rowStart, end: rowEnd });
    }
  };

  if (!takenAt) {
    addPhotoRows(0, count);
    return { rows, rowOf, columns, tileSize };
  }

  let groupStart = 0;
  // The current month's bounds, so most photos need a comparison rather than a Date.
  let monthFrom = Number.POSITIVE_INFINITY;
  let monthTo = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < count; index++) {
    const time = takenAt[index] ?? 0;
    if (time >= monthFrom && time < monthTo) continue;
    if (index > 0) addPhotoRows(groupStart, index);
    const date = new Date(time);
    monthFrom = new Date(date.getFullYear(), date.getMonth(), 1).getTime();
    monthTo = new Date(date.getFullYear(), date.getMonth() + 1, 1).getTime();
    rows.push({ kind: 'month', label: formatMonth(time) });
    groupStart = index;
  }
  addPhotoRows(groupStart, count);
  return { rows, rowOf, columns, tileSize };
}

/** The photo index one row up or down from `index`, keeping its column where the row is long enough. */
export function verticalNeighbour(layout: GridLayout, index: number, direction: 1 | -1): number {
  const row = layout.rows[layout.rowOf[index] ?? 0];
  if (row?.kind !== 'photos') return index;
  const column = index - row.start;
  for (let r = (layout.rowOf[index] ?? 0) + direction; r >= 0 && r < layout.rows.length; r += direction) {
    const candidate = layout.rows[r];
    if (candidate?.kind === 'photos') return Math.min(candidate.start + column, candidate.end - 1);
  }
  return index;
}
