import type { Database, Statement } from 'better-sqlite3';
import type { Thresholds } from './album-rule.js';
import {
  classify,
  clampSensitivity,
  createAlbum,
  isMember,
  judgeAlbum,
  requireAlbum,
  viewAlbum,
  type AlbumContext,
  type AlbumDefinition,
  type AlbumView,
  type MemberScore,
} from './albums.js';
import { findDuplicateGroups, type DuplicateGroup } from './duplicates.js';
import { UserError } from '../shared/errors.js';
import type { ModelRegistry } from './model-registry.js';
import type { LibrarySearch } from './search.js';
import { AlbumStore, type AlbumRow } from './store/album-store.js';
import type { LibraryStore } from './store/library-store.js';

/** Albums, classification and duplicates, all judged with the active model. */
export class LibraryAlbums {
  private readonly albumStore: AlbumStore;
  private readonly totalChanges: Statement;
  private readonly albumJudgements = new Map<number, { key: string; value: Awaited<ReturnType<typeof judgeAlbum>> }>();

  constructor(
    private readonly db: Database,
    private readonly store: LibraryStore,
    private readonly models: ModelRegistry,
    private readonly search: LibrarySearch,
  ) {
    this.albumStore = new AlbumStore(db);
    this.totalChanges = db.prepare('SELECT total_changes() AS n');
  }

  /** Every album with how many photos it holds now, and its best match (for a cover). */
  async list(): Promise<{ album: AlbumRow; count: number; coverPhotoId: number | null }[]> {
    const context = this.context();
    const result = [];
    for (const album of context.store.list()) {
      const { members } = await viewAlbum(context, album);
      result.push({ album, count: members.length, coverPhotoId: members[0]?.photoId ?? null });
    }
    return result;
  }

  create(definition: AlbumDefinition): AlbumRow {
    return createAlbum(this.context(), definition);
  }

  update(
    name: string,
    change: { prompts?: string[]; negatives?: string[]; sensitivity?: number; name?: string },
  ): AlbumRow {
    const context = this.context();
    const album = requireAlbum(context, name);
    if (change.name && change.name.trim() !== album.name && context.store.byName(change.name.trim())) {
      throw new UserError(`There is already an album called "${change.name.trim()}".`);
    }
    context.store.update(album.id, {
      ...change,
      ...(change.name ? { name: change.name.trim() } : {}),
      ...(change.sensitivity !== undefined ? { sensitivity: clampSensitivity(change.sensitivity) } : {}),
    });
    return requireAlbum(context, change.name?.trim() || album.name);
  }

  delete(name: string): void {
    const context = this.context();
    context.store.delete(requireAlbum(context, name).id);
  }

  /** The album's members, best first, with its thresholds and the photos near them. */
  view(name: string): Promise<AlbumView> {
    const context = this.context();
    return viewAlbum(context, requireAlbum(context, name));
  }

  /** "Always" (true), "never" (false) or back to the rule (null), for one photo in one album. */
  setOverride(name: string, photoId: number, include: boolean | null): void {
    const context = this.context();
    const album = requireAlbum(context, name);
    const photo = this.store.photoDetails([photoId]).get(photoId);
    if (!photo?.fingerprint) throw new UserError('That photo is not in the library.');
    context.store.setOverride(album.id, photo.fingerprint, include);
  }

  /** Which albums a photo is in, and why: its score against each album's prompts and background. */
  async ofPhoto(
    photoId: number,
  ): Promise<{ name: string; member: boolean; score: MemberScore; thresholds: Thresholds }[]> {
    const context = this.context();
    const result = [];
    for (const album of context.store.list()) {
      const { thresholds, judged } = await judgeAlbum(context, album);
      const score = judged.find((photo) => photo.photoId === photoId);
      if (score) result.push({ name: album.name, member: isMember(score), score, thresholds });
    }
    return result;
  }

  /** Groups of near-duplicate photos (copies, edits, bursts), the one to keep first. */
  duplicates(options: { maxHashDistance?: number; minSimilarity?: number } = {}): DuplicateGroup[] {
    const { id } = this.models.requireActive().folder.manifest;
    return findDuplicateGroups(
      this.store.duplicateCandidates(),
      (photoId) => this.store.photoEmbedding(photoId, id),
      options,
    );
  }

  /** CLIP zero-shot classification of an image among the labels (prompt-ensembled). */
  async classify(
    vector: Float32Array,
    labels: readonly string[],
  ): Promise<{ label: string; probability: number; similarity: number }[]> {
    const model = this.models.requireActive().folder;
    return classify(this.context(), vector, labels, model.manifest.logitScale);
  }

  /** Changes with every write to the database: this connection's, and (data_version) every other's. */
  private databaseVersion(): string {
    return `${(this.totalChanges.get() as { n: number }).n}:${this.db.pragma('data_version', { simple: true })}`;
  }

  private context(): AlbumContext {
    const model = this.models.requireActive().folder;
    return {
      store: this.albumStore,
      modelId: model.manifest.id,
      embed: (texts) => this.search.textVectors(texts, model),
      cache: { version: () => this.databaseVersion(), judged: this.albumJudgements },
    };
  }
}
