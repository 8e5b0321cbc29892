/**
 * The migration's progress: counters the runner moves, and a view of them on stderr. On a terminal,
 * one line redrawn in place (carriage return, clear line); elsewhere (a CI log, a file), a plain line
 * per interval, so that a log is readable and not one endless line.
 */

export interface ProgressCounts {
  /** Identities listed so far, and whether the listing is complete (then the ETA is known). */
  identitiesListed: number;
  listingDone: boolean;
  identitiesDone: number;
  datasets: number;
  copied: number;
  unchanged: number;
  conflicts: number;
  records: number;
  bytes: number;
  retries: number;
}

export const emptyCounts = (): ProgressCounts => ({
  identitiesListed: 0,
  listingDone: false,
  identitiesDone: 0,
  datasets: 0,
  copied: 0,
  unchanged: 0,
  conflicts: 0,
  records: 0,
  bytes: 0,
  retries: 0,
});

const BAR_WIDTH = 24;

const si = (n: number): string =>
  n >= 1e9 ? `${(n / 1e9).toFixed(1)}G` : n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e4 ? `${(n / 1e3).toFixed(1)}k` : `${Math.round(n)}`;
const bytesText = (n: number): string =>
  n >= 1 << 30 ? `${(n / 2 ** 30).toFixed(1)} GiB` : n >= 1 << 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** One line of progress: the bar (when the total is known), counts, rates and the ETA. */
export function progressLine(counts: ProgressCounts, elapsedMs: number, bar: boolean): string {
  const seconds = Math.max(elapsedMs / 1000, 0.001);
  const total = counts.identitiesListed;
  const rate = counts.identitiesDone / seconds;
  const eta = counts.listingDone ? duration(rate > 0 ? (total - counts.identitiesDone) / rate : Number.POSITIVE_INFINITY) : '?';
  const fraction = counts.listingDone && total > 0 ? counts.identitiesDone / total : 0;
  const filled = Math.round(fraction * BAR_WIDTH);
  const barText = bar ? `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${counts.listingDone ? `${Math.floor(fraction * 100)}%` : '..'} ` : '';
  return (
    `${barText}identities ${si(counts.identitiesDone)}/${si(total)}${counts.listingDone ? '' : '+'}` +
    ` datasets ${si(counts.datasets)} (copied ${si(counts.copied)}, unchanged ${si(counts.unchanged)}, conflicts ${si(counts.conflicts)})` +
    ` records ${si(counts.records)} ${bytesText(counts.bytes)}` +
    ` ${si(rate)} id/s ${si(counts.records / seconds)} rec/s` +
    `${counts.retries > 0 ? ` retries ${si(counts.retries)}` : ''} ETA ${eta}`
  );
}

export interface ProgressView {
  start(): void;
  /** Draws the last state and leaves the line. */
  stop(): void;
}

export interface ProgressViewOptions {
  readonly stream: NodeJS.WriteStream | { isTTY?: boolean; columns?: number; write(text: string): boolean };
  /** Between two redraws on a terminal; between two lines elsewhere. */
  readonly intervalMs?: number;
  readonly now?: () => number;
}

export function progressView(counts: ProgressCounts, options: ProgressViewOptions): ProgressView {
  const tty = options.stream.isTTY === true;
  const intervalMs = options.intervalMs ?? (tty ? 200 : 10_000);
  const now = options.now ?? Date.now;
  let started = 0;
  let timer: NodeJS.Timeout | undefined;
  const draw = (): void => {
    const line = progressLine(counts, now() - started, tty);
    if (tty) {
      const width = options.stream.columns ?? 120;
      options.stream.write(`\r\x1b[2K${line.length > width - 1 ? line.slice(0, width - 1) : line}`);
    } else {
      options.stream.write(`${line}\n`);
    }
  };
  return {
    start() {
      started = now();
      timer = setInterval(draw, intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      draw();
      if (tty) options.stream.write('\n');
    },
  };
}
