import cliProgress from 'cli-progress';

/** Progress on stderr: a live bar on a terminal, a plain line now and then otherwise. */
export interface ProgressView {
  update(done: number, total: number, detail: { rate: number; eta: number | null; label: string }): void;
  stop(): void;
}

/** How counts read: photos as plain numbers, downloads as bytes. */
export type ProgressUnit = 'photos' | 'bytes';

const PLAIN_INTERVAL_MS = 2000;

export function createProgressView(
  title: string,
  unit: ProgressUnit = 'photos',
  stream: NodeJS.WriteStream = process.stderr,
): ProgressView {
  const count = unit === 'bytes' ? formatBytes : (n: number) => String(n);
  const rate = unit === 'bytes' ? (n: number) => `${formatBytes(n)}/s` : (n: number) => `${n.toFixed(1)} photos/s`;
  const line = (done: number, total: number, detail: { rate: number; eta: number | null }) =>
    `${count(done)}/${count(total)} | ${rate(detail.rate)} | ETA ${formatDuration(detail.eta)}`;
  return stream.isTTY ? new BarView(title, stream, line) : new PlainView(title, stream, line);
}

type LineFormat = (done: number, total: number, detail: { rate: number; eta: number | null }) => string;

class BarView implements ProgressView {
  private readonly bar: cliProgress.SingleBar;
  private started = false;

  constructor(
    title: string,
    stream: NodeJS.WriteStream,
    private readonly line: LineFormat,
  ) {
    this.bar = new cliProgress.SingleBar(
      { stream, format: `${title} {bar} {line} | {label}`, hideCursor: true, barsize: 30, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
  }

  update(done: number, total: number, detail: { rate: number; eta: number | null; label: string }): void {
    const payload = { line: this.line(done, total, detail), label: shorten(detail.label, 40) };
    if (!this.started) {
      this.bar.start(total, done, payload);
      this.started = true;
    } else {
      this.bar.setTotal(total);
      this.bar.update(done, payload);
    }
  }

  stop(): void {
    if (this.started) this.bar.stop();
    this.started = false;
  }
}

class PlainView implements ProgressView {
  private lastLine = 0;
  private last: string | null = null;

  constructor(
    private readonly title: string,
    private readonly stream: NodeJS.WriteStream,
    private readonly line: LineFormat,
  ) {}

  update(done: number, total: number, detail: { rate: number; eta: number | null }): void {
    this.last = `${this.title} ${this.line(done, total, detail)}`;
    const now = Date.now();
    if (now - this.lastLine >= PLAIN_INTERVAL_MS) {
      this.lastLine = now;
      this.stream.write(this.last + '\n');
      this.last = null;
    }
  }

  stop(): void {
    if (this.last) this.stream.write(this.last + '\n');
    this.last = null;
  }
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '--';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : '…' + text.slice(text.length - max + 1);
}
