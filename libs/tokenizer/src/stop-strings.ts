export interface StopMatch {
  /** The stop string that matched. */
  stop: string;
  /** Where it starts in the text: the completion is text.slice(0, index), the match is not returned. */
  index: number;
}

/**
 * User stop strings. "First occurrence" means the first one to be *completed* (earliest end, then the longer
 * one): that is the point where a streaming generator must stop, so the answer does not depend on how the
 * text arrived in pieces. An earliest-start rule would need to see text that is never generated.
 */
export class StopMatcher {
  private readonly stops: readonly string[];

  constructor(stops: readonly string[]) {
    if (stops.some((s) => s === '')) throw new Error('stop strings must not be empty');
    this.stops = [...new Set(stops)];
  }

  get isEmpty(): boolean {
    return this.stops.length === 0;
  }

  /**
   * The first stop completed in `text`. `searchedUpTo`: a length of `text` already known to hold no complete
   * stop (the previous text while streaming), so only matches ending after it are looked for.
   */
  find(text: string, searchedUpTo = 0): StopMatch | undefined {
    let best: StopMatch | undefined;
    let bestEnd = Infinity;
    for (const stop of this.stops) {
      const index = text.indexOf(stop, Math.max(0, searchedUpTo - stop.length + 1));
      if (index < 0) continue;
      const end = index + stop.length;
      if (!best || end < bestEnd || (end === bestEnd && index < best.index)) {
        best = { stop, index };
        bestEnd = end;
      }
    }
    return best;
  }

  /** Length of the longest tail of `text` that is a proper prefix of a stop: not safe to stream yet. */
  holdBack(text: string): number {
    let longest = 0;
    for (const stop of this.stops) {
      for (let k = Math.min(stop.length - 1, text.length); k > longest; k--) {
        if (text.endsWith(stop.slice(0, k))) {
          longest = k;
          break;
        }
      }
    }
    return longest;
  }
}

export interface StopStreamStep {
  /** Text safe to send to the client now (possibly ''). */
  text: string;
  /** Set once a stop string has matched: generation must end, nothing after it is sent. */
  stop?: StopMatch;
}

/** Applies a StopMatcher to streamed text deltas, holding back tails that could still become a stop string. */
export class StopStringStream {
  private text = '';
  private sent = 0;
  private match: StopMatch | undefined;

  constructor(private readonly matcher: StopMatcher) {}

  get stopped(): StopMatch | undefined {
    return this.match;
  }

  /** Everything released so far; after a stop, the final completion text. */
  get released(): string {
    return this.text.slice(0, this.sent);
  }

  push(delta: string): StopStreamStep {
    if (this.match) return { text: '', stop: this.match };
    const searchedUpTo = this.text.length;
    this.text += delta;
    const match = this.matcher.find(this.text, searchedUpTo);
    if (match) {
      this.match = match;
      return { text: this.release(match.index), stop: match };
    }
    return { text: this.release(this.text.length - this.matcher.holdBack(this.text)) };
  }

  /** Generation ended another way (stop token, length): the held-back tail is plain text after all. */
  finish(): string {
    return this.match ? '' : this.release(this.text.length);
  }

  private release(upTo: number): string {
    const out = this.text.slice(this.sent, Math.max(this.sent, upTo));
    this.sent = Math.max(this.sent, upTo);
    return out;
  }
}
