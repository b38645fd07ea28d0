import cliProgress from 'cli-progress';

/** Progress on stderr: a live bar on a terminal, a plain line now and then otherwise. */
export interface ProgressView {
  update(done: number, total: number, detail: { rate: number; eta: number | null; label: string }): void;
  stop(): void;
}

const PLAIN_INTERVAL_MS = 2000;

export function createProgressView(title: string, stream: NodeJS.WriteStream = process.stderr): ProgressView {
  if (stream.isTTY) return new BarView(title, stream);
  return new PlainView(title, stream);
}

class BarView implements ProgressView {
  private readonly bar: cliProgress.SingleBar;
  private started = false;

  constructor(title: string, stream: NodeJS.WriteStream) {
    this.bar = new cliProgress.SingleBar(
      {
        stream,
        format: `${title} {bar} {value}/{total} | {rate}/s | ETA {eta_text} | {label}`,
        hideCursor: true,
        barsize: 30,
        etaBuffer: 50,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  update(done: number, total: number, detail: { rate: number; eta: number | null; label: string }): void {
    const payload = {
      rate: detail.rate.toFixed(1),
      eta_text: formatDuration(detail.eta),
      label: shorten(detail.label, 40),
    };
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
  }
}

class PlainView implements ProgressView {
  private lastLine = 0;
  private last: string | null = null;

  constructor(
    private readonly title: string,
    private readonly stream: NodeJS.WriteStream,
  ) {}

  update(done: number, total: number, detail: { rate: number; eta: number | null }): void {
    this.last = `${this.title} ${done}/${total} (${detail.rate.toFixed(1)} photos/s, ETA ${formatDuration(detail.eta)})`;
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

function shorten(text: string, max: number): string {
  return text.length <= max ? text : '…' + text.slice(text.length - max + 1);
}
