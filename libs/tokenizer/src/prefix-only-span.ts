import type { ModelTokenizer } from './model-tokenizer';

export interface ScoringSpan {
  /** encode(prefix + completion + suffix): one text, so the seams tokenise as the model would see them. */
  tokens: number[];
  /** len(encode(prefix)) - 1; -1 when the prefix is empty (position 0 then has no prediction). */
  start: number;
  /**
   * start + len(encode(completion)). Scored positions are start+1 .. end (inclusive). When a seam merge makes the
   * joint encoding shorter, end can be >= tokens.length: the caller decides how to clip (a Python slice shortens the window silently).
   */
  end: number;
}

/**
 * The seed's prefix_only window (REFERENCE.md §3), copied as is, weaknesses included: token counts of the
 * separately encoded parts index into the jointly encoded text, so a BPE merge across the prefix/completion
 * seam shifts the window by a token, and the suffix never influences the score.
 */
export function prefixOnlySpan(
  tokenizer: Pick<ModelTokenizer, 'encode'>,
  prefix: string,
  completion: string,
  suffix: string,
): ScoringSpan {
  const tokens = tokenizer.encode(prefix + completion + suffix);
  const start = tokenizer.encode(prefix).length - 1;
  const end = start + tokenizer.encode(completion).length;
  return { tokens, start, end };
}
