/**
 * Collects a stream's bytes up to a cap, keeping either the first or the last `cap` bytes, and remembers how
 * many bytes went by in total. Memory stays O(cap) however much a program prints.
 */
export class CappedBuffer {
  private chunks: Buffer[] = [];
  private kept = 0;
  private seen = 0;

  constructor(
    private readonly cap: number,
    private readonly keep: 'head' | 'tail',
  ) {}

  push(chunk: Buffer): void {
    this.seen += chunk.length;
    if (this.keep === 'head') {
      const room = this.cap - this.kept;
      if (room <= 0) return;
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      this.chunks.push(Buffer.from(part));
      this.kept += part.length;
      return;
    }
    this.chunks.push(chunk);
    this.kept += chunk.length;
    while (this.kept > this.cap) {
      const excess = this.kept - this.cap;
      const first = this.chunks[0];
      if (first.length <= excess) {
        this.chunks.shift();
        this.kept -= first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.kept -= excess;
      }
    }
  }

  /** Total bytes pushed, including the ones not kept. */
  get totalBytes(): number {
    return this.seen;
  }

  get overflowed(): boolean {
    return this.seen > this.cap;
  }

  toString(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
