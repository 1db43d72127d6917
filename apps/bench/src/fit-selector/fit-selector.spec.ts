import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JudgedTask, PredictionRecord } from '@ensemble/evaluation';
import { loadLearnedModel } from '@ensemble/selection';
import { RunFolder } from '../results/run-folder';
import { fitSelector } from './fit-selector';

/**
 * A judged run folder with a planted signal: in every task one of two candidates is right, it is the one with
 * the lower AR perplexity, and it is the first candidate only half of the time.
 */
function plantedRun(dir: string, tasks: number): void {
  const folder = RunFolder.open(dir);
  folder.writeJson('config.json', {
    runId: 'planted',
    dataset: 'humaneval-single-line',
    kinds: { ar: 'autoregressive', diffusion: 'diffusion' },
  });
  const outcomes: JudgedTask[] = [];
  for (let t = 0; t < tasks; t++) {
    const rightFirst = t % 2 === 0;
    const ppl = (right: boolean) => (right ? 1.5 + (t % 3) * 0.1 : 6 + (t % 5));
    const candidate = (backend: string, right: boolean) => ({
      backend,
      model: backend,
      sample_index: 0,
      completion: `    return ${backend}_${t}\n`,
      finish_reason: 'eos',
      token_count: 4,
      seed: 0,
      scores: [
        {
          scorer: 'ar',
          mode: 'fim',
          perplexity: ppl(right),
          mean_nll: Math.log(ppl(right)),
          sum_logprob: -4 * Math.log(ppl(right)),
          token_count: 4,
        },
      ],
    });
    const candidates = [candidate('ar', rightFirst), candidate('diffusion', !rightFirst)];
    const record = {
      task_id: `T/${t}`,
      index: t,
      dataset: 'humaneval-single-line',
      status: 'ok',
      prefix: 'def f():\n',
      suffix: '',
      canonical_solution: '',
      completion: '',
      winner: 'ar',
      strategy: 'cross',
      outputs: {},
      perplexities: {},
      candidates,
      selections: {},
      missing_backends: [],
    } as unknown as PredictionRecord;
    folder.appendPrediction(record);
    outcomes.push({
      taskId: `T/${t}`,
      index: t,
      canonicalMiddle: '',
      selections: {},
      candidates: candidates.map((c, i) => ({
        backend: c.backend,
        completion: c.completion,
        perplexities: {},
        correct: { execution: (i === 0) === rightFirst },
      })),
    });
  }
  folder.writeOutcomes(outcomes);
}

describe('fitSelector', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fit-selector-'));
  const lines: string[] = [];

  it('learns a planted perplexity signal and writes weights the orchestrator can load', async () => {
    plantedRun(join(dir, 'run'), 40);
    const out = join(dir, 'weights.json');
    const summary = await fitSelector({
      runs: [join(dir, 'run')],
      out,
      folds: 5,
      seed: 1,
      l2: 0.01,
      log: (line) => lines.push(line),
    });
    expect(summary).toMatchObject({ tasks: 40, candidates: 80, firstCandidate: 0.5, oracle: 1 });
    expect(summary.selection).toBe(1);
    const model = loadLearnedModel(out);
    expect(model.features).toContain('nll:ar:fim');
    const trainedOn = JSON.parse(readFileSync(out, 'utf8')).trained_on;
    expect(trainedOn.rule).toBe('execution');
    expect(lines.join('\n')).toContain('SELECTOR_WEIGHTS=');
  });

  it('refuses more folds than tasks, saying so', async () => {
    plantedRun(join(dir, 'small'), 3);
    await expect(
      fitSelector({
        runs: [join(dir, 'small')],
        out: join(dir, 'w.json'),
        folds: 5,
        seed: 0,
        l2: 0.01,
        log: () => {},
      }),
    ).rejects.toThrow('3 tasks cannot be split into 5 folds');
  });

  it('refuses a folder that is not a judged run', async () => {
    await expect(
      fitSelector({
        runs: [join(dir, 'nothing')],
        out: join(dir, 'w.json'),
        folds: 2,
        seed: 0,
        l2: 0.01,
        log: () => {},
      }),
    ).rejects.toThrow('no config.json');
  });
});
