import { z } from 'zod';
import { modelIdSchema } from '../shared/model-id.js';

/**
 * Shoebox's one API: what the renderer may ask of the engine, and the events the engine sends.
 * Two transports carry it (Electron IPC through the preload, HTTP + WebSocket in browser mode);
 * both validate every input with these schemas before the engine sees it. The renderer imports
 * this module for its types only (`import type`), so zod never reaches the renderer bundle.
 *
 * The renderer never sends a file path to be read: photos are named by id, and their pixels are
 * fetched from the transport's media URLs, which resolve ids to files inside the library folders.
 */

const photoId = z.number().int().positive();
const limit = z.number().int().min(1).max(1000);
const path = z.string().min(1).max(4096);
const albumName = z.string().trim().min(1).max(200);
const prompt = z.string().trim().min(1).max(500);
const sensitivity = z.number().min(-1).max(1);
const modelId = modelIdSchema;
const ignorePatterns = z.array(z.string().min(1).max(500)).max(200);

export const requestSchemas = {
  status: z.object({}).strict(),
  failures: z.object({}).strict(),
  /** Marks every failed photo pending again and indexes them (after a fix, or to try a flaky drive again). */
  retryFailed: z.object({}).strict(),
  timeline: z.object({}).strict(),
  search: z
    .object({
      query: z.string().trim().min(1).max(2000),
      limit: limit.default(100),
      offset: z.number().int().min(0).max(4000).default(0),
      folders: z.array(path).max(50).optional(),
      takenFrom: z.number().finite().optional(),
      takenTo: z.number().finite().optional(),
    })
    .strict(),
  similar: z.object({ photoId, limit: limit.default(60) }).strict(),
  photo: z.object({ photoId }).strict(),
  addFolder: z.object({ path }).strict(),
  removeFolder: z.object({ path }).strict(),
  /** How many photos a pattern list would hide, so a change that would hide most of them is confirmed first. */
  previewIgnorePatterns: z.object({ patterns: ignorePatterns }).strict(),
  /** `confirmed`: the person has seen that these patterns hide more than half of the library. */
  setIgnorePatterns: z.object({ patterns: ignorePatterns, confirmed: z.boolean().optional() }).strict(),
  models: z.object({}).strict(),
  downloadModel: z.object({ id: modelId }).strict(),
  useModel: z.object({ id: modelId }).strict(),
  importModel: z.object({ path }).strict(),
  settings: z.object({}).strict(),
  updateSettings: z
    .object({
      theme: z.enum(['light', 'dark', 'system']).optional(),
      device: z.enum(['auto', 'gpu', 'cpu']).optional(),
    })
    .strict(),
  showInFolder: z.object({ photoId }).strict(),
  albums: z.object({}).strict(),
  album: z.object({ name: albumName }).strict(),
  createAlbum: z
    .object({
      name: albumName,
      prompts: z.array(prompt).min(1).max(20),
      negatives: z.array(prompt).max(20).default([]),
      sensitivity: sensitivity.default(0),
    })
    .strict(),
  updateAlbum: z
    .object({
      name: albumName,
      rename: albumName.optional(),
      prompts: z.array(prompt).min(1).max(20).optional(),
      negatives: z.array(prompt).max(20).optional(),
      sensitivity: sensitivity.optional(),
    })
    .strict(),
  deleteAlbum: z.object({ name: albumName }).strict(),
  setAlbumOverride: z.object({ name: albumName, photoId, include: z.boolean().nullable() }).strict(),
  photoAlbums: z.object({ photoId }).strict(),
  starterAlbums: z.object({}).strict(),
  enableStarterAlbum: z.object({ id: z.string().min(1).max(100) }).strict(),
  duplicates: z.object({ maxHashDistance: z.number().int().min(0).max(32).optional() }).strict(),
  /** Moves photos to the system trash (desktop only): always a person's confirmed choice, never automatic. */
  trashPhotos: z.object({ photoIds: z.array(photoId).min(1).max(1000) }).strict(),
} as const;

export type MethodName = keyof typeof requestSchemas;
export type RequestOf<M extends MethodName> = z.input<(typeof requestSchemas)[M]>;
export type ParsedRequestOf<M extends MethodName> = z.output<(typeof requestSchemas)[M]>;

export const METHOD_NAMES = Object.keys(requestSchemas) as MethodName[];

export interface ModelSummary {
  id: string;
  name: string;
}

export interface IndexingState {
  phase: 'idle' | 'scanning' | 'indexing' | 'watching';
  /** Photos finished in this run, and the run's total (done + still pending). */
  done: number;
  total: number;
  photosPerSecond: number;
  etaSeconds: number | null;
  currentFolder: string | null;
  /** Why indexing cannot run (no model, no folders), when it cannot. */
  blocked: string | null;
}

export interface Status {
  photos: number;
  indexed: number;
  pending: number;
  failed: number;
  skipped: number;
  folders: string[];
  ignorePatterns: string[];
  model: ModelSummary | null;
  nextModel: ModelSummary | null;
  device: { preference: 'auto' | 'gpu' | 'cpu'; provider: string | null };
  indexing: IndexingState;
}

export interface Failure {
  photoId: number;
  path: string;
  name: string;
  reason: string;
}

/** Every indexed photo, newest first: parallel arrays, compact enough for 100 000 photos. */
export interface Timeline {
  ids: number[];
  /** File names, for alt text and labels. */
  names: string[];
  takenAt: number[];
  /** Width / height as displayed; 1 when unknown. */
  aspect: number[];
}

export interface Hit {
  photoId: number;
  name: string;
  score: number;
  takenAt: number;
  width: number | null;
  height: number | null;
}

export interface PhotoInfo {
  photoId: number;
  name: string;
  path: string;
  folder: string;
  width: number | null;
  height: number | null;
  takenAt: number;
  cameraMake: string | null;
  cameraModel: string | null;
  latitude: number | null;
  longitude: number | null;
  sizeBytes: number;
}

/** A model a person can choose: from the catalogue (installed or not), or imported by hand. */
export interface ModelChoice {
  id: string;
  name: string;
  summary: string;
  /** Download size; 0 for imported models. */
  bytes: number;
  languages: string;
  licence: string;
  recommended: boolean;
  installed: boolean;
  /** Not in the catalogue: imported from a folder. */
  imported: boolean;
  test: boolean;
  active: boolean;
  preparing: boolean;
}

export interface Settings {
  theme: 'light' | 'dark' | 'system';
  device: 'auto' | 'gpu' | 'cpu';
}

export interface AlbumSummary {
  name: string;
  prompts: string[];
  negatives: string[];
  sensitivity: number;
  starter: string | null;
  count: number;
  /** A photo to show on the album's card. */
  coverPhotoId: number | null;
}

export interface AlbumMember {
  photoId: number;
  name: string;
  score: number;
  background: number;
  /** "Always" (true), "never" (false), or the rule decides (null). */
  override: boolean | null;
}

export interface AlbumDetail extends AlbumSummary {
  /** Best first. */
  members: AlbumMember[];
  nearMisses: AlbumMember[];
  weakestMembers: AlbumMember[];
  thresholds: { score: number; margin: number; median: number; naturalBreak: number; tail: number };
}

export interface PhotoAlbum {
  name: string;
  member: boolean;
  score: number;
  background: number;
  threshold: number;
  margin: number;
  override: boolean | null;
}

export interface StarterAlbumChoice {
  id: string;
  name: string;
  prompts: string[];
  enabled: boolean;
}

export interface DuplicateGroupView {
  keep: number;
  photos: {
    photoId: number;
    name: string;
    width: number | null;
    height: number | null;
    sizeBytes: number;
    takenAt: number;
  }[];
}

/** What each method answers. */
export interface Responses {
  status: Status;
  failures: Failure[];
  retryFailed: Status;
  timeline: Timeline;
  search: { hits: Hit[] };
  similar: { hits: Hit[] };
  photo: PhotoInfo;
  addFolder: Status;
  removeFolder: Status;
  previewIgnorePatterns: { hidden: number; total: number };
  setIgnorePatterns: Status;
  models: { models: ModelChoice[]; downloading: ModelDownload | null };
  downloadModel: { started: boolean };
  useModel: Status;
  importModel: Status;
  settings: Settings;
  updateSettings: Settings;
  showInFolder: { shown: boolean };
  albums: { albums: AlbumSummary[] };
  album: AlbumDetail;
  createAlbum: AlbumSummary;
  updateAlbum: AlbumSummary;
  deleteAlbum: { deleted: boolean };
  setAlbumOverride: AlbumSummary;
  photoAlbums: { albums: PhotoAlbum[] };
  starterAlbums: { starters: StarterAlbumChoice[] };
  enableStarterAlbum: AlbumSummary;
  duplicates: { groups: DuplicateGroupView[] };
  trashPhotos: { trashed: number };
}

export interface ModelDownload {
  id: string;
  receivedBytes: number;
  totalBytes: number;
  bytesPerSecond: number;
  etaSeconds: number | null;
  state: 'downloading' | 'done' | 'failed';
  error: string | null;
}

/** Pushed by the engine. */
export type ApiEvent =
  | { type: 'indexing'; state: IndexingState }
  | { type: 'library-changed' }
  | { type: 'model-download'; download: ModelDownload }
  | { type: 'notice'; message: string };

/** A failure the user can act on: the message is one sentence for the UI. */
export interface ApiError {
  error: string;
}

/** What the renderer holds, whichever transport carries it. */
export interface ShoeboxApi {
  readonly platform: 'desktop' | 'browser';
  call<M extends MethodName>(method: M, request: RequestOf<M>, signal?: AbortSignal): Promise<Responses[M]>;
  subscribe(listener: (event: ApiEvent) => void): () => void;
  thumbnailUrl(photoId: number): string;
  photoUrl(photoId: number): string;
}
