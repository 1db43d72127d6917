import type { DecodeOptions, ModelTokenizer } from './model-tokenizer';

const REPLACEMENT = 0xfffd;

/**
 * Turns generated ids into text deltas for streaming. Byte-level BPE can split one character over several
 * tokens; decoding such a prefix ends in U+FFFD, so that tail is held back until a later token completes it.
 * The deltas (plus finish()) concatenate to exactly decode(allIds).
 *
 * Only a window of ids is re-decoded: it starts where all earlier text was complete, because UTF-8 decoding
 * restarts cleanly after a complete character, so decode(a ++ b) = decode(a) + decode(b) at such a point.
 */
export class IncrementalDetokenizer {
  private readonly ids: number[] = [];
  private windowStart = 0;
  /** UTF-16 units of decode(window) already returned. */
  private emitted = 0;

  constructor(
    private readonly tokenizer: Pick<ModelTokenizer, 'decode'>,
    private readonly options: DecodeOptions,
  ) {}

  get tokenIds(): readonly number[] {
    return this.ids;
  }

  /** Adds one id; returns the newly complete text ('' while a character is still incomplete). */
  push(id: number): string {
    this.ids.push(id);
    const text = this.tokenizer.decode(this.ids.slice(this.windowStart), this.options);
    // Only the last character of a lossy UTF-8 decode can change when bytes are appended, and only if it is
    // U+FFFD; holding back the whole trailing run is simpler and just as safe.
    let stable = text.length;
    while (stable > this.emitted && text.charCodeAt(stable - 1) === REPLACEMENT) stable--;
    const delta = text.slice(this.emitted, stable);
    if (stable === text.length) {
      this.windowStart = this.ids.length;
      this.emitted = 0;
    } else {
      this.emitted = stable;
    }
    return delta;
  }

  /** At the end of generation: whatever was held back, with U+FFFD for bytes that never completed. */
  finish(): string {
    const text = this.tokenizer.decode(this.ids.slice(this.windowStart), this.options);
    this.windowStart = this.ids.length;
    const rest = text.slice(this.emitted);
    this.emitted = 0;
    return rest;
  }
}
