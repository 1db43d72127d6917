import { crossStrategy } from './cross';
import { candidateLabels, joinLabels } from './explain';
import { learnedStrategy } from './learned';
import { fimStrategy, seedStrategy } from './perplexity';
import type { SyntaxChecker } from './python-syntax';
import { StrategyInput, StrategyOutcome } from './strategy-input';
import { structuralStrategy } from './structural';
import { completedFile } from './text';
import {
  ALL_STRATEGIES,
  Candidate,
  NamedValue,
  ScoreMatrix,
  SelectionError,
  SelectionOptions,
  SelectionResult,
  StrategyName,
  TaskContext,
} from './types';

const STRATEGIES: Record<StrategyName, (input: StrategyInput) => StrategyOutcome> = {
  seed: seedStrategy,
  fim: fimStrategy,
  cross: crossStrategy,
  structural: structuralStrategy,
  learned: learnedStrategy,
};

export function isStrategyName(name: string): name is StrategyName {
  return (ALL_STRATEGIES as readonly string[]).includes(name);
}

/** A checker that parses each distinct file once. */
export function cachedSyntax(syntax: SyntaxChecker): SyntaxChecker {
  const cache = new Map<string, boolean>();
  return {
    parses(source: string): boolean {
      let ok = cache.get(source);
      if (ok === undefined) {
        ok = syntax.parses(source);
        cache.set(source, ok);
      }
      return ok;
    },
  };
}

export interface ParseFilterResult {
  /** Candidate indices still in the running, ascending. Never empty: all of them when none parses. */
  kept: number[];
  /** Candidates dropped because their file does not parse (empty when none or all parse). */
  dropped: number[];
  /** parses[i]: candidate i's whole file parses. */
  parses: boolean[];
  /** "parse filter dropped diffusion (does not parse)", "parse filter: no candidate parses, kept all", or "". */
  note: string;
}

/**
 * The parse filter usable in front of any strategy: drops the candidates whose prefix + middle + suffix does not
 * parse, when at least one does; keeps everything when none does (nothing to prefer).
 */
export function parseFilter(
  candidates: readonly Candidate[],
  context: TaskContext,
  syntax: SyntaxChecker,
): ParseFilterResult {
  const parses = candidates.map((c) => syntax.parses(completedFile(context, c.text)));
  const all = candidates.map((_, i) => i);
  const kept = all.filter((i) => parses[i]);
  const labels = candidateLabels(candidates);
  if (kept.length === 0) {
    return { kept: all, dropped: [], parses, note: 'parse filter: no candidate parses, kept all' };
  }
  const dropped = all.filter((i) => !parses[i]);
  const note = dropped.length ? `parse filter dropped ${joinLabels(dropped, labels)} (does not parse)` : '';
  return { kept, dropped, parses, note };
}

function needSyntax(what: string): never {
  throw new SelectionError(
    `${what} needs a Python syntax checker: await loadPythonSyntax() once and pass it as options.syntax`,
  );
}

/**
 * Runs one strategy over one task's candidates and their score matrix (matrix[i] is candidates[i]'s row), after the
 * parse filter when options.parseFilter is set. Pure: the same input gives the same result. Throws a SelectionError
 * on an unknown strategy, an empty or mismatched input, or a strategy whose requirements (syntax checker, learned
 * weights, an unambiguous AR scorer) are not met.
 */
export function applyStrategy(
  name: StrategyName,
  candidates: readonly Candidate[],
  matrix: ScoreMatrix,
  context: TaskContext,
  options: SelectionOptions = {},
): SelectionResult {
  if (!isStrategyName(name)) {
    throw new SelectionError(
      `unknown selection strategy '${String(name)}'; known: ${ALL_STRATEGIES.join(', ')}`,
    );
  }
  if (candidates.length === 0) throw new SelectionError('no candidates to select from');
  if (matrix.length !== candidates.length) {
    throw new SelectionError(`score matrix has ${matrix.length} rows for ${candidates.length} candidates`);
  }
  const syntax = options.syntax ? cachedSyntax(options.syntax) : undefined;
  const labels = candidateLabels(candidates);
  const parses = (i: number): boolean =>
    syntax ? syntax.parses(completedFile(context, candidates[i].text)) : needSyntax(`the ${name} strategy`);

  let pool = candidates.map((_, i) => i);
  let lead = '';
  const filterValues: NamedValue[] = [];
  if (options.parseFilter) {
    if (!syntax) needSyntax('the parse filter');
    const filtered = parseFilter(candidates, context, syntax);
    pool = filtered.kept;
    if (filtered.note) lead = `${filtered.note}; `;
    filtered.parses.forEach((ok, i) => filterValues.push({ name: `c${i}.parses`, value: ok ? 1 : 0 }));
  }

  const outcome = STRATEGIES[name]({ candidates, matrix, context, options, pool, labels, syntax, parses });
  const seen = new Set<string>();
  const decidingValues = [...filterValues, ...outcome.decidingValues].filter((v) => {
    if (seen.has(v.name)) return false;
    seen.add(v.name);
    return true;
  });
  return { strategy: name, index: outcome.index, reason: lead + outcome.reason, decidingValues };
}
