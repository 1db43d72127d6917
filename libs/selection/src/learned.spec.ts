import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyStrategy } from './apply';
import { featureNames, featuresOf, featureVector, isFeatureName, PERPLEXITY_CAP } from './features';
import { LearnedModel, loadLearnedModel, parseLearnedModel, toLearnedModelFile } from './learned-model';
import { fitLogistic } from './logistic';
import { ar, context, diffusion, fakeSyntax, nll, ppl, row } from './testing/fixtures';
import { SelectionError } from './types';

function model(weights: Record<string, number>, bias = 0): LearnedModel {
  return {
    features: Object.keys(weights),
    weights: Object.values(weights),
    bias,
    source: 'test-weights.json',
  };
}

describe('featuresOf', () => {
  it('computes every feature of every candidate by hand-checkable rules', () => {
    const candidates = [
      ar('    return x\n'),
      diffusion('    return x  \n'),
      { ...diffusion('SYNTAX_ERROR\nx\ny', 1), tokenCount: 9 },
    ];
    const matrix = [
      row({ ar: { fim: ppl(2, 3), prefix_only: nll(0.5, 3) } }),
      row({ ar: { fim: ppl(4, 4) } }),
      row({ ar: { fim: ppl(5000, 6) } }),
    ];
    const [a, d, broken] = featuresOf(candidates, matrix, context, { syntax: fakeSyntax });
    expect(a).toEqual({
      parses: 1,
      lines: 1,
      single_line: 1,
      agreement: 1, // the diffusion candidate is the same text up to surrounding whitespace
      chars: 13,
      is_ar: 1,
      cross_z: expect.any(Number),
      tokens: 3,
      'missing:ar:fim': 0,
      'nll:ar:fim': Math.log(2),
      'ppl:ar:fim': 2,
      'nll_delta:ar:fim': 0,
      'missing:ar:prefix_only': 0,
      'nll:ar:prefix_only': 0.5,
      'ppl:ar:prefix_only': Math.exp(0.5),
      'nll_delta:ar:prefix_only': 0,
    });
    expect(d['nll_delta:ar:fim']).toBeCloseTo(Math.log(4) - Math.log(2), 12);
    expect(d['missing:ar:prefix_only']).toBe(1);
    expect(d['nll:ar:prefix_only']).toBe(0);
    expect(d.is_ar).toBe(0);
    expect(d.agreement).toBe(1);
    expect(broken).toMatchObject({
      parses: 0,
      lines: 3,
      single_line: 0,
      agreement: 0,
      tokens: 9, // candidate.tokenCount wins over the scores' counts
      'ppl:ar:fim': PERPLEXITY_CAP,
    });
    // cross_z: only ar fim is complete; meanNll ln 2, ln 4, ln 5000 -> the lowest z for the AR candidate.
    expect(a.cross_z).toBeLessThan(d.cross_z);
    expect(d.cross_z).toBeLessThan(broken.cross_z);
  });

  it('orders feature names and fills absent ones with their defaults', () => {
    const rows = featuresOf([ar()], [row({ ar: { fim: ppl(2) } })], context, { syntax: fakeSyntax });
    expect(featureNames(rows)).toEqual([
      'parses',
      'lines',
      'single_line',
      'agreement',
      'chars',
      'tokens',
      'is_ar',
      'cross_z',
      'missing:ar:fim',
      'nll:ar:fim',
      'nll_delta:ar:fim',
      'ppl:ar:fim',
    ]);
    expect(
      featureVector(rows[0], [
        'parses',
        'nll:diffusion:masked_one_shot',
        'missing:diffusion:masked_one_shot',
      ]),
    ).toEqual([1, 0, 1]);
  });

  it('knows its feature names', () => {
    expect(isFeatureName('parses')).toBe(true);
    expect(isFeatureName('nll:ar:prefix_only')).toBe(true);
    expect(isFeatureName('nll_delta:diffusion:masked_monte_carlo')).toBe(true);
    expect(isFeatureName('nll:ar:bogus_mode')).toBe(false);
    expect(isFeatureName('vibes')).toBe(false);
  });

  it('needs a syntax checker', () => {
    expect(() => featuresOf([ar()], [row({})], context, {})).toThrow(SelectionError);
  });
});

describe('learned strategy', () => {
  const candidates = [ar('SYNTAX_ERROR\n'), diffusion('x = 2\n')];
  const matrix = [row({ ar: { fim: ppl(1.5) } }), row({ ar: { fim: ppl(3) } })];

  it('picks the highest probability and explains the features that decided', () => {
    // logit = -1 + 3 parses - 1 nll:ar:fim: ar -1 + 0 - ln 1.5 = -1.405; diffusion -1 + 3 - ln 3 = 0.901.
    const learned = model({ parses: 3, 'nll:ar:fim': -1 }, -1);
    const result = applyStrategy('learned', candidates, matrix, context, {
      syntax: fakeSyntax,
      learnedModel: learned,
    });
    expect(result.index).toBe(1);
    const pAr = 1 / (1 + Math.exp(-(-1 - Math.log(1.5))));
    const pDiffusion = 1 / (1 + Math.exp(-(2 - Math.log(3))));
    expect(result.decidingValues[0].value).toBeCloseTo(pAr, 12);
    expect(result.decidingValues[1].value).toBeCloseTo(pDiffusion, 12);
    expect(result.reason).toBe(
      'highest learned probability (test-weights.json, 2 features): 0.711 (diffusion) vs 0.197 (ar); ' +
        'logit lead over ar: parses +3, nll:ar:fim -0.693',
    );
    expect(result.decidingValues).toContainEqual({ name: 'c1.parses', value: 1 });
    expect(result.decidingValues).toContainEqual({ name: 'c0.parses', value: 0 });
  });

  it('ties to the autoregressive candidate', () => {
    const result = applyStrategy('learned', [diffusion('abc\n'), ar('xyz\n')], matrix, context, {
      syntax: fakeSyntax,
      learnedModel: model({ chars: 0.5 }),
    });
    expect(result.index).toBe(1);
    expect(result.reason).toMatch(/; tie between diffusion, ar → autoregressive candidate ar$/);
  });

  it('reads a missing score as its missing indicator', () => {
    const result = applyStrategy(
      'learned',
      [ar(), diffusion()],
      [row({ diffusion: { masked_one_shot: nll(1) } }), row({})],
      context,
      { syntax: fakeSyntax, learnedModel: model({ 'missing:diffusion:masked_one_shot': -2 }) },
    );
    expect(result.index).toBe(0);
  });

  it('computes features over the candidates the parse filter kept', () => {
    // nll_delta is relative to the best kept candidate: with the dropped AR candidate (meanNll 0.1) still counted,
    // diffusion#0's delta would be 0.9 and its probability sigmoid(-0.9), not sigmoid(0) = 0.5.
    const three = [ar('SYNTAX_ERROR\n'), diffusion('y = 1\n', 0), diffusion('z = 1\n', 1)];
    const scores = [
      row({ ar: { fim: nll(0.1) } }),
      row({ ar: { fim: nll(1) } }),
      row({ ar: { fim: nll(2) } }),
    ];
    const result = applyStrategy('learned', three, scores, context, {
      syntax: fakeSyntax,
      parseFilter: true,
      learnedModel: model({ 'nll_delta:ar:fim': -1 }),
    });
    expect(result.index).toBe(1);
    expect(result.reason).toMatch(/^parse filter dropped ar \(does not parse\); highest learned probability/);
    expect(result.decidingValues).toContainEqual({ name: 'c1.probability', value: 0.5 });
    expect(result.decidingValues.find((v) => v.name === 'c0.probability')).toBeUndefined();
  });

  it('fails clearly without weights instead of guessing', () => {
    expect(() => applyStrategy('learned', candidates, matrix, context, { syntax: fakeSyntax })).toThrow(
      new SelectionError(
        'the learned strategy has no weights: load the weights file written by `bench fit-selector` with ' +
          'loadLearnedModel(path) and pass it as options.learnedModel',
      ),
    );
  });

  it('learns a selector end to end: features -> fit -> weights file -> strategy', () => {
    // Tasks where the right candidate is the one that parses, whatever the perplexities say.
    const rows: number[][] = [];
    const labels: number[] = [];
    let names: string[] = [];
    for (let t = 0; t < 6; t++) {
      const right = t % 2;
      const task = [
        ar(right === 0 ? 'a = 1\n' : 'SYNTAX_ERROR\n'),
        diffusion(right === 1 ? 'b = 2\n' : 'SYNTAX_ERROR\n'),
      ];
      const features = featuresOf(
        task,
        [row({ ar: { fim: ppl(2 + t) } }), row({ ar: { fim: ppl(5 - t / 2) } })],
        context,
        {
          syntax: fakeSyntax,
        },
      );
      names = featureNames(features);
      features.forEach((f, i) => {
        rows.push(featureVector(f, names));
        labels.push(i === right ? 1 : 0);
      });
    }
    const fit = fitLogistic(rows, labels, { l2: 0.1, iterations: 50 });
    const file = toLearnedModelFile(names, fit, { dataset: 'toy', tasks: 6 });
    const dir = mkdtempSync(join(tmpdir(), 'selection-'));
    try {
      writeFileSync(join(dir, 'weights.json'), JSON.stringify(file));
      const loaded = loadLearnedModel(join(dir, 'weights.json'));
      expect(loaded.trainedOn).toEqual({ dataset: 'toy', tasks: 6 });
      const result = applyStrategy(
        'learned',
        [ar('SYNTAX_ERROR\n'), diffusion('c = 3\n')],
        [row({ ar: { fim: ppl(1.1) } }), row({ ar: { fim: ppl(9) } })],
        context,
        { syntax: fakeSyntax, learnedModel: loaded },
      );
      expect(result.index).toBe(1);
      expect(result.reason).toContain(
        `highest learned probability (${join(dir, 'weights.json')}, ${names.length} features)`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('weights file', () => {
  const good = { version: 1, features: ['parses', 'nll:ar:fim'], weights: [1, -0.5], bias: 0.25 };

  it('parses a valid file', () => {
    expect(parseLearnedModel(good, 'w.json')).toEqual({
      features: ['parses', 'nll:ar:fim'],
      weights: [1, -0.5],
      bias: 0.25,
      trainedOn: undefined,
      source: 'w.json',
    });
  });

  it.each([
    [[], 'w.json: must be a JSON object'],
    [{ ...good, version: 2 }, 'w.json: version must be 1, got 2'],
    [{ ...good, features: [] }, 'features must be a non-empty array of strings'],
    [{ ...good, features: ['parses', 'vibes'] }, 'unknown feature names: vibes'],
    [{ ...good, features: ['parses', 'parses'] }, 'duplicated feature names: parses'],
    [{ ...good, weights: [1] }, 'weights has 1 entries for 2 features'],
    [{ ...good, weights: [1, 'x'] }, 'weights must be an array of finite numbers'],
    [{ ...good, bias: null }, 'bias must be a finite number'],
  ])('rejects %j', (json, message) => {
    expect(() => parseLearnedModel(json, 'w.json')).toThrow(SelectionError);
    expect(() => parseLearnedModel(json, 'w.json')).toThrow(message);
  });

  it('names the file when it cannot be read or is not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'selection-'));
    try {
      expect(() => loadLearnedModel(join(dir, 'absent.json'))).toThrow(
        `cannot read weights file ${join(dir, 'absent.json')}`,
      );
      writeFileSync(join(dir, 'bad.json'), '{ nope');
      expect(() => loadLearnedModel(join(dir, 'bad.json'))).toThrow(
        `${join(dir, 'bad.json')}: not valid JSON`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
