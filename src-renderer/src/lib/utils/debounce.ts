export interface Debounced {
  (): void;
  cancel(): void;
}

/** Runs `fn` once calls pause for `waitMs`, and at least every `maxWaitMs` while they keep coming. */
export function debounce(fn: () => void, waitMs: number, maxWaitMs = Number.POSITIVE_INFINITY): Debounced {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let firstCall: number | undefined;

  const run = (): void => {
    timer = undefined;
    firstCall = undefined;
    fn();
  };

  const debounced = (): void => {
    const now = performance.now();
    firstCall ??= now;
    clearTimeout(timer);
    timer = setTimeout(run, Math.max(0, Math.min(waitMs, firstCall + maxWaitMs - now)));
  };
  debounced.cancel = (): void => {
    clearTimeout(timer);
    timer = undefined;
    firstCall = undefined;
  };
  return debounced;
}
