import { breakTie, joinLabels } from './explain';
import { StrategyInput, StrategyOutcome } from './strategy-input';
import { isSingleLine, lineCount } from './text';
import type { NamedValue } from './types';

/** "3 lines", or "blank" for an empty or whitespace-only middle. */
function describeLines(text: string): string {
  return text.trim() === '' ? 'blank' : `${lineCount(text)} lines`;
}

function split(pool: readonly number[], test: (i: number) => boolean): [number[], number[]] {
  return [pool.filter(test), pool.filter((i) => !test(i))];
}

/**
 * Model-free baseline (REFERENCE §5): prefer a candidate whose whole file parses as Python; then, for shape
 * 'single_line' only, one whose middle is exactly one line (isSingleLine); then the AR candidate; then the lowest
 * index. Each stage only narrows the pool when it separates the candidates.
 */
export function structuralStrategy(input: StrategyInput): StrategyOutcome {
  const { candidates, labels } = input;
  const singleLineTask = input.context.shape === 'single_line';
  const steps: string[] = [];
  let pool = [...input.pool];
  const all = pool.length === 2 ? 'both' : 'all';

  const [parsing, broken] = split(pool, (i) => input.parses(i));
  if (parsing.length && broken.length) {
    steps.push(
      `${joinLabels(parsing, labels)} ${parsing.length > 1 ? 'parse' : 'parses'}, ` +
        `${joinLabels(broken, labels)} ${broken.length > 1 ? 'do' : 'does'} not`,
    );
    pool = parsing;
  } else if (pool.length > 1) steps.push(parsing.length ? `${all} parse` : `none parses`);
  else steps.push(parsing.length ? 'parses' : 'does not parse');

  if (singleLineTask && pool.length > 1) {
    const [single, multi] = split(pool, (i) => isSingleLine(candidates[i].text));
    if (single.length && multi.length) {
      const others = multi.map((i) => `${labels[i]}: ${describeLines(candidates[i].text)}`).join(', ');
      steps.push(
        `only ${joinLabels(single, labels)} ${single.length > 1 ? 'are' : 'is'} one line (${others})`,
      );
      pool = single;
    } else
      steps.push(
        single.length ? `${pool.length === 2 ? 'both are' : 'all are'} one line` : 'none is one line',
      );
  }

  const index = breakTie(pool, candidates);
  if (pool.length > 1) {
    steps.push(
      candidates[index].kind === 'autoregressive'
        ? `tie → autoregressive candidate ${labels[index]}`
        : `tie → lowest index ${labels[index]} (no AR candidate)`,
    );
  }

  const decidingValues: NamedValue[] = [];
  for (const i of input.pool) {
    decidingValues.push({ name: `c${i}.parses`, value: input.parses(i) ? 1 : 0 });
    if (singleLineTask) {
      decidingValues.push({ name: `c${i}.single_line`, value: isSingleLine(candidates[i].text) ? 1 : 0 });
      decidingValues.push({ name: `c${i}.lines`, value: lineCount(candidates[i].text) });
    }
  }
  const label = input.pool.length === 1 ? `${labels[index]} (the only candidate) ` : '';
  return { index, reason: `${label}${steps.join('; ')}`, decidingValues };
}
