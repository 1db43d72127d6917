import { applyStrategy, cachedSyntax, isStrategyName, parseFilter } from './apply';
import { ar, context, diffusion, fakeSyntax, nll, ppl, row } from './testing/fixtures';
import { ALL_STRATEGIES, SelectionError, StrategyName } from './types';

describe('applyStrategy', () => {
  it('knows the five strategies', () => {
    expect(ALL_STRATEGIES).toEqual(['seed', 'fim', 'cross', 'structural', 'learned']);
    expect(isStrategyName('cross')).toBe(true);
    expect(isStrategyName('oracle')).toBe(false);
  });

  it('rejects an unknown strategy, no candidates and a matrix of the wrong length', () => {
    expect(() => applyStrategy('oracle' as StrategyName, [ar()], [row({})], context)).toThrow(
      "unknown selection strategy 'oracle'; known: seed, fim, cross, structural, learned",
    );
    expect(() => applyStrategy('seed', [], [], context)).toThrow(
      new SelectionError('no candidates to select from'),
    );
    expect(() => applyStrategy('seed', [ar(), diffusion()], [row({})], context)).toThrow(
      'score matrix has 1 rows for 2 candidates',
    );
  });

  it('is pure: the same input gives the same result and the input is not changed', () => {
    const candidates = [ar(), diffusion()];
    const matrix = [row({ ar: { prefix_only: ppl(2) } }), row({ ar: { prefix_only: ppl(1) } })];
    const before = JSON.stringify([candidates, matrix, context]);
    for (const name of ['seed', 'fim', 'cross', 'structural'] as const) {
      const options = { syntax: fakeSyntax, parseFilter: true };
      expect(applyStrategy(name, candidates, matrix, context, options)).toEqual(
        applyStrategy(name, candidates, matrix, context, options),
      );
    }
    expect(JSON.stringify([candidates, matrix, context])).toBe(before);
  });
});

describe('parse filter', () => {
  const candidates = [ar('SYNTAX_ERROR\n'), diffusion('x = 2\n'), diffusion('y = 3\n', 1)];
  const matrix = [
    row({ ar: { prefix_only: ppl(1.1) }, diffusion: { masked_one_shot: nll(1) } }),
    row({ ar: { prefix_only: ppl(2) }, diffusion: { masked_one_shot: nll(3) } }),
    row({ ar: { prefix_only: ppl(3) }, diffusion: { masked_one_shot: nll(2) } }),
  ];

  it('drops candidates whose file does not parse, reports them, and keeps the original indices', () => {
    const result = applyStrategy('seed', candidates, matrix, context, {
      syntax: fakeSyntax,
      parseFilter: true,
    });
    // Without the filter the AR candidate's 1.1 would win.
    expect(applyStrategy('seed', candidates, matrix, context).index).toBe(0);
    expect(result.index).toBe(1);
    expect(result.reason).toBe(
      'parse filter dropped ar (does not parse); lowest ar prefix_only perplexity: 2 (diffusion#0) vs 3 (diffusion#1)',
    );
    expect(result.decidingValues).toEqual([
      { name: 'c0.parses', value: 0 },
      { name: 'c1.parses', value: 1 },
      { name: 'c2.parses', value: 1 },
      { name: 'c1.ar.prefix_only.perplexity', value: 2 },
      { name: 'c2.ar.prefix_only.perplexity', value: 3 },
    ]);
  });

  it('computes cross z-scores over the kept candidates only', () => {
    // Over all three, candidate 0 (meanNll 1 and 1.1-ish) would win; over the two kept, the one-shot 3 vs 2 and the
    // prefix_only 2 vs 3 cancel: tie, and no AR candidate is left, so the lowest index.
    const result = applyStrategy('cross', candidates, matrix, context, {
      syntax: fakeSyntax,
      parseFilter: true,
    });
    expect(result.index).toBe(1);
    expect(result.reason).toBe(
      'parse filter dropped ar (does not parse); lowest mean z-score of mean NLL over 2 scorers ' +
        '(ar prefix_only, diffusion masked_one_shot): 0 (diffusion#0) vs 0 (diffusion#1); ' +
        'tie between diffusion#0, diffusion#1 → lowest index (no AR candidate) diffusion#0',
    );
  });

  it('keeps every candidate when none parses, and says so', () => {
    const broken = [ar('SYNTAX_ERROR 1\n'), diffusion('SYNTAX_ERROR 2\n')];
    const result = applyStrategy('seed', broken, matrix.slice(0, 2), context, {
      syntax: fakeSyntax,
      parseFilter: true,
    });
    expect(result.index).toBe(0);
    expect(result.reason).toBe(
      'parse filter: no candidate parses, kept all; lowest ar prefix_only perplexity: 1.1 (ar) vs 2 (diffusion)',
    );
  });

  it('says nothing when every candidate parses', () => {
    const result = applyStrategy('seed', [ar(), diffusion()], matrix.slice(0, 2), context, {
      syntax: fakeSyntax,
      parseFilter: true,
    });
    expect(result.reason).toBe('lowest ar prefix_only perplexity: 1.1 (ar) vs 2 (diffusion)');
  });

  it('is usable on its own', () => {
    expect(parseFilter(candidates, context, fakeSyntax)).toEqual({
      kept: [1, 2],
      dropped: [0],
      parses: [false, true, true],
      note: 'parse filter dropped ar (does not parse)',
    });
  });

  it('parses each distinct file once per selection', () => {
    fakeSyntax.calls.length = 0;
    applyStrategy('structural', [ar('same\n'), diffusion('same\n')], matrix.slice(0, 2), context, {
      syntax: fakeSyntax,
      parseFilter: true,
    });
    expect(fakeSyntax.calls).toEqual([context.prefix + 'same\n' + context.suffix]);

    const cached = cachedSyntax(fakeSyntax);
    fakeSyntax.calls.length = 0;
    cached.parses('a');
    cached.parses('a');
    expect(fakeSyntax.calls).toEqual(['a']);
  });

  it('needs a syntax checker', () => {
    expect(() => applyStrategy('seed', candidates, matrix, context, { parseFilter: true })).toThrow(
      'the parse filter needs a Python syntax checker',
    );
  });
});
