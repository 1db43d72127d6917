// Builders for hand-made candidates and score matrices in the selection specs.
import type { SyntaxChecker } from '../python-syntax';
import type { Candidate, Score, ScoreMode, ScoreRow, TaskContext } from '../types';

/** A cell with the given perplexity (meanNll = ln ppl) over `tokens` tokens. */
export function ppl(perplexity: number, tokens = 4): Score {
  const meanNll = Math.log(perplexity);
  return { sumLogprob: -meanNll * tokens, tokenCount: tokens, meanNll, perplexity };
}

/** A cell with the given mean NLL (perplexity = e^meanNll) over `tokens` tokens. */
export function nll(meanNll: number, tokens = 4): Score {
  return { sumLogprob: -meanNll * tokens, tokenCount: tokens, meanNll, perplexity: Math.exp(meanNll) };
}

export function ar(text = 'x = 1\n', sampleIndex = 0): Candidate {
  return { backend: 'ar', kind: 'autoregressive', text, sampleIndex };
}

export function diffusion(text = 'x = 2\n', sampleIndex = 0): Candidate {
  return { backend: 'diffusion', kind: 'diffusion', text, sampleIndex };
}

/** A score row: row({ ar: { prefix_only: ppl(2) } }). */
export function row(cells: Record<string, Partial<Record<ScoreMode, Score>>>): ScoreRow {
  return cells;
}

export const context: TaskContext = { prefix: 'def f(x):\n', suffix: '    return x\n', shape: 'single_line' };

/** A checker for strategy tests: a file "parses" unless it contains the marker SYNTAX_ERROR. */
export const fakeSyntax: SyntaxChecker & { calls: string[] } = {
  calls: [],
  parses(source: string): boolean {
    this.calls.push(source);
    return !source.includes('SYNTAX_ERROR');
  },
};
