/** Where progress goes: a terminal gets a redrawn bar, anything else a plain line every `intervalMs`. */
export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  intervalMs?: number;
  now?: () => number;
}

const BAR_WIDTH = 30;

/**
 * A progress display for long commands: a single redrawn line on a TTY, periodic plain lines otherwise (CI logs,
 * `kubectl logs`), so progress is visible everywhere without flooding files.
 */
export class Progress {
  private done = 0;
  private failed = 0;
  private lastLine = 0;
  private readonly startedAt: number;
  private readonly stream: NodeJS.WriteStream;
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(
    private readonly label: string,
    private total: number,
    options: ProgressOptions = {},
  ) {
    this.stream = options.stream ?? process.stderr;
    this.intervalMs = options.intervalMs ?? 10_000;
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
  }

  get tty(): boolean {
    return this.stream.isTTY === true;
  }

  update(done: number, failed = this.failed, total = this.total): void {
    this.done = done;
    this.failed = failed;
    this.total = total;
    const now = this.now();
    if (this.tty) {
      if (now - this.lastLine < 100 && done < total) return;
      this.lastLine = now;
      this.stream.write(`\r${this.render(now, true)}`);
    } else if (now - this.lastLine >= this.intervalMs) {
      this.lastLine = now;
      this.stream.write(`${this.render(now, false)}\n`);
    }
  }

  /** Prints the final state (always, also off a terminal). */
  finish(): void {
    const line = this.render(this.now(), this.tty);
    this.stream.write(this.tty ? `\r${line}\n` : `${line}\n`);
  }

  render(now: number, bar: boolean): string {
    const elapsed = (now - this.startedAt) / 1000;
    const rate = elapsed > 0 ? this.done / elapsed : 0;
    const fraction = this.total > 0 ? Math.min(1, this.done / this.total) : 1;
    const eta = rate > 0 ? (this.total - this.done) / rate : undefined;
    const parts = [
      `${this.label}: ${this.done}/${this.total}`,
      this.failed ? `${this.failed} failed` : '',
      `${rate.toFixed(2)}/s`,
      `elapsed ${formatSeconds(elapsed)}`,
      eta !== undefined && this.done < this.total ? `eta ${formatSeconds(eta)}` : '',
    ].filter(Boolean);
    if (!bar) return parts.join(', ');
    const filled = Math.round(fraction * BAR_WIDTH);
    return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${parts.join('  ')}`;
  }
}

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(0)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
