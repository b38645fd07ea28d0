/** The photos the viewer moves through with ← and →: a timeline, search results or similar photos. */
export interface PhotoList {
  ids: readonly number[];
  names: readonly string[];
  /** Search or similarity scores, shown in the info panel. */
  scores?: readonly number[];
}

export type ViewerPanel = 'info' | 'similar' | null;

class ViewerManager {
  list = $state.raw<PhotoList | null>(null);
  index = $state(0);
  panel = $state<ViewerPanel>('info');

  /** Told which photo was showing when the viewer closes, so the grid can select it. */
  #onClose: ((photoId: number) => void) | null = null;

  current = $derived.by(() => {
    const list = this.list;
    const id = list?.ids[this.index];
    if (!list || id === undefined) return null;
    return { id, name: list.names[this.index] ?? '', score: list.scores?.[this.index] ?? null };
  });

  open(list: PhotoList, index: number, onClose?: (photoId: number) => void): void {
    this.list = list;
    this.index = index;
    this.#onClose = onClose ?? null;
  }

  /** Moves within the list; the photo another list holds is opened within that list instead. */
  show(photoId: number, otherList: PhotoList): void {
    const here = this.list?.ids.indexOf(photoId) ?? -1;
    if (here >= 0) {
      this.index = here;
      return;
    }
    this.list = otherList;
    this.index = Math.max(0, otherList.ids.indexOf(photoId));
  }

  step(delta: number): void {
    if (!this.list) return;
    this.index = Math.min(Math.max(this.index + delta, 0), this.list.ids.length - 1);
  }

  togglePanel(panel: Exclude<ViewerPanel, null>): void {
    this.panel = this.panel === panel ? null : panel;
  }

  close(): void {
    const photoId = this.current?.id;
    const onClose = this.#onClose;
    this.list = null;
    this.#onClose = null;
    if (photoId !== undefined) onClose?.(photoId);
  }
}

export const viewer = new ViewerManager();
