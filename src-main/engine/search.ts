import { existsSync, realpathSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { UserError } from '../shared/errors.js';
import { storeFaultReason } from '../shared/store-faults.js';
import { isDecodablePhoto } from './formats.js';
import type { ModelRegistry } from './model-registry.js';
import type { ModelFolder } from '../shared/model-manifest.js';
import { combineTerms, parseQuery } from './query.js';
import { owningFolder } from './scanner.js';
import type { LibraryStore } from './store/library-store.js';
import { MAX_NEIGHBOURS, type NeighbourFilter } from './vector-index.js';

export interface SearchOptions {
  limit?: number;
  offset?: number;
  /** Library folders or folders inside them. */
  folders?: readonly string[];
  takenFrom?: number;
  takenTo?: number;
}

export interface SearchHit {
  photoId: number;
  path: string;
  score: number;
  takenAt: number;
  width: number | null;
  height: number | null;
}

const TEXT_CACHE_IN_MEMORY = 1024;
const TEXT_CACHE_ON_DISK = 10_000;

/**
 * Search with the active model: text and photo queries, their arithmetic, similar photos, and
 * the text embeddings other parts (albums, classification) need. Reads only; the one write, the
 * on-disk cache of text embeddings, is best effort.
 */
export class LibrarySearch {
  private readonly textCache = new Map<string, Float32Array>();

  constructor(
    private readonly store: LibraryStore,
    private readonly models: ModelRegistry,
  ) {}

  /** Photos best matching a query (text, photo paths, and their arithmetic), best first. */
  async search(query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    const model = this.models.requireActive().folder;
    const terms = parseQuery(query);
    const excluded: number[] = [];
    const vectors = [];
    for (const term of terms) {
      const photo = this.photoTerm(term.text);
      if (photo) {
        excluded.push(photo.id);
        vectors.push({ ...term, vector: await this.photoVector(photo.path, photo.id) });
      } else if (looksLikeImagePath(term.text)) {
        vectors.push({ ...term, vector: await this.photoVector(resolve(term.text), null) });
      } else {
        const [vector] = await this.textVectors([term.text], model);
        vectors.push({ ...term, vector: vector! });
      }
    }
    return this.nearest(combineTerms(vectors), excluded, options);
  }

  /** Photos that look like the given one (a library photo or any image file), itself excluded. */
  async similar(path: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    this.models.requireActive();
    const absolute = resolve(path);
    if (!existsSync(absolute)) throw new UserError(`No photo at ${absolute}.`);
    const photo = this.store.photoByPath(absolute) ?? this.store.photoByPath(realpathSync(absolute));
    const vector = await this.photoVector(absolute, photo?.id ?? null);
    return this.nearest(vector, photo ? [photo.id] : [], options);
  }

  /** A library photo's stored embedding, or a fresh encoding of any image file. */
  async photoVector(path: string, photoId: number | null): Promise<Float32Array> {
    const model = this.models.requireActive().folder;
    if (photoId !== null) {
      const stored = this.store.photoEmbedding(photoId, model.manifest.id);
      if (stored) return stored;
    }
    const [result] = await this.models.encoderFor(model).encodeImages([{ key: 0, path, fingerprint: null }]);
    if (!result?.ok) throw new UserError(`${path} cannot be used as a query photo: ${result?.reason ?? 'no result'}.`);
    return result.vector;
  }

  /** Text embeddings from memory, then the database, then the model in one batch; all kept for next time. */
  async textVectors(texts: readonly string[], model: ModelFolder): Promise<Float32Array[]> {
    const id = model.manifest.id;
    const found = texts.map((text) => this.textCache.get(`${id}\u0000${text}`) ?? this.store.textEmbedding(id, text));
    const missing = [...new Set(texts.filter((_, i) => !found[i]))];
    if (missing.length > 0) {
      const encoder = this.models.encoderFor(model);
      const vectors = await encoder.encodeTexts(missing);
      this.models.noteProvider(encoder);
      if (vectors.length !== missing.length) throw new Error('the text encoder returned too few embeddings');
      const fresh = new Map(missing.map((text, i) => [text, vectors[i]!]));
      try {
        this.store.transaction(() => {
          for (const [text, vector] of fresh) this.store.saveTextEmbedding(id, text, vector, TEXT_CACHE_ON_DISK);
        });
      } catch (error) {
        // A full or busy disk must not stop search: the embeddings are kept in memory instead.
        if (!storeFaultReason(error)) throw error;
      }
      texts.forEach((text, i) => (found[i] ??= fresh.get(text)!));
    }
    texts.forEach((text, i) => this.remember(`${id}\u0000${text}`, found[i]!));
    return found as Float32Array[];
  }

  /** After a model change the cached text embeddings belong to the old one. */
  forgetTexts(): void {
    this.textCache.clear();
  }

  private async nearest(
    query: Float32Array,
    excluded: readonly number[],
    options: SearchOptions,
  ): Promise<SearchHit[]> {
    const { index } = this.models.requireActive();
    const limit = Math.max(1, options.limit ?? 20);
    const offset = Math.max(0, options.offset ?? 0);
    const { filter, pathPrefixes } = this.filterFor(options);
    const wanted = pathPrefixes.length > 0 ? MAX_NEIGHBOURS : offset + limit + excluded.length;
    const skip = new Set(excluded);
    const neighbours = index.nearest(query, wanted, filter).filter((n) => !skip.has(n.photoId));
    const details = this.store.photoDetails(neighbours.map((n) => n.photoId));
    const hits: SearchHit[] = [];
    for (const neighbour of neighbours) {
      const photo = details.get(neighbour.photoId);
      if (!photo) continue;
      if (pathPrefixes.length > 0 && !pathPrefixes.some((prefix) => photo.path.startsWith(prefix))) continue;
      hits.push({
        photoId: photo.id,
        path: photo.path,
        score: neighbour.score,
        takenAt: photo.takenAt,
        width: photo.width,
        height: photo.height,
      });
    }
    return hits.slice(offset, offset + limit);
  }

  private filterFor(options: SearchOptions): { filter: NeighbourFilter; pathPrefixes: string[] } {
    const filter: NeighbourFilter = {};
    if (options.takenFrom !== undefined) filter.takenFrom = options.takenFrom;
    if (options.takenTo !== undefined) filter.takenTo = options.takenTo;
    const pathPrefixes: string[] = [];
    if (options.folders && options.folders.length > 0) {
      const libraryFolders = this.store.folders();
      const folderIds = new Set<number>();
      for (const requested of options.folders) {
        const absolute = existsSync(requested) ? realpathSync(resolve(requested)) : resolve(requested);
        const folder = owningFolder(libraryFolders, absolute);
        if (!folder) throw new UserError(`${absolute} is not in the library.`);
        folderIds.add(folder.id);
        if (folder.path !== absolute) pathPrefixes.push(absolute + sep);
      }
      filter.folderIds = [...folderIds];
    }
    return { filter, pathPrefixes };
  }

  private photoTerm(text: string): { id: number; path: string } | null {
    if (!looksLikeImagePath(text)) return null;
    const absolute = resolve(text);
    if (!existsSync(absolute)) throw new UserError(`No photo at ${absolute}.`);
    const row = this.store.photoByPath(absolute) ?? this.store.photoByPath(realpathSync(absolute));
    return row ? { id: row.id, path: row.path } : null;
  }

  private remember(key: string, vector: Float32Array): void {
    this.textCache.delete(key);
    this.textCache.set(key, vector);
    if (this.textCache.size > TEXT_CACHE_IN_MEMORY) this.textCache.delete(this.textCache.keys().next().value!);
  }
}

function looksLikeImagePath(text: string): boolean {
  return isDecodablePhoto(text) && (text.includes('/') || text.includes(sep) || existsSync(resolve(text)));
}
