import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { bench, dataDir } from './bench-cli';

const published = (file: string) => join(dataDir(), 'reference-runs', 'open-dcoder-0.5B', file);
const metricsOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
const readGzLines = (file: string) =>
  gunzipSync(readFileSync(file))
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, string>);

/** The HumanEval single-line rows, read straight from the dataset file (not through our loader). */
const singleLineRows = () =>
  readGzLines(join(dataDir(), 'human-eval-infilling', 'HumanEval-SingleLineInfilling.jsonl.gz'));

/** Writes `{task_id, completion}` rows (the human-eval samples format) as JSON Lines. */
const writeSamples = (file: string, samples: Array<{ task_id: string; completion: string }>) =>
  writeFileSync(file, samples.map((sample) => JSON.stringify(sample)).join('\n'));

/** `bench score FILE --dataset humaneval-single-line --out OUT --no-report`. */
const scoreSingleLine = (file: string, out: string) =>
  bench(['score', file, '--dataset', 'humaneval-single-line', '--out', out, '--no-report']);

describe('bench score (built CLI, real sandbox)', () => {
  const work = mkdtempSync(join(tmpdir(), 'bench-score-'));

  it("reproduces the seed's published HumanEval single-line result: 790 of 1033 pass", async () => {
    const out = join(work, 'he');
    const result = await bench([
      'score',
      published('humaneval-singleline.jsonl.gz'),
      '--dataset',
      'humaneval-single-line',
      '--out',
      out,
      '--no-report',
    ]);
    expect(result.stderr).not.toMatch(/WARNING/);
    expect(result.code).toBe(0);
    // The published eval file says pass@1 = 0.7647628267182962 over 1033 tasks.
    const published_ = JSON.parse(readFileSync(published('humaneval-singleline.eval.json'), 'utf8'));
    const metrics = metricsOf(out);
    expect(metrics.counts).toEqual({ tasks: 1033, passed: 790 });
    expect(metrics.rates.passed).toBeCloseTo(published_['pass@1'], 12);
    expect(result.stdout).toContain('humaneval-single-line: 790/1033 passed (76.48%)');
  });

  it('reproduces the published SantaCoder-FIM exact match: 584 of 1043 under the first-line rule', async () => {
    const out = join(work, 'sc');
    const result = await bench([
      'score',
      published('santacoder-fim-py.jsonl.gz'),
      '--dataset',
      'santacoder-fim-py',
      '--out',
      out,
    ]);
    expect(result.code).toBe(0);
    const metrics = metricsOf(out);
    expect(metrics.counts.tasks).toBe(1043);
    expect(metrics.counts.exactMatchFirstLine).toBe(584);
    // The whole rule is reported too, and says which rule it is.
    expect(metrics.rules.map((r: { rule: string }) => r.rule)).toEqual(['em_first_line', 'em_whole']);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<table');
  });

  it('all 1033 canonical single-line solutions pass, given in the human-eval samples format', async () => {
    const rows = singleLineRows();
    const samples = join(work, 'canonical.jsonl');
    writeSamples(
      samples,
      rows.map((r) => ({ task_id: r.task_id, completion: r.canonical_solution })),
    );
    const out = join(work, 'canonical');
    const result = await scoreSingleLine(samples, out);
    expect(result.code).toBe(0);
    expect(metricsOf(out).counts).toEqual({ tasks: 1033, passed: 1033 });
  });

  it('several samples per task give pass@k, with the unbiased estimator', async () => {
    const rows = singleLineRows();
    // Task 0: 10 samples, 3 right; task 1: 10 samples, none right.
    const lines = [
      ...Array.from({ length: 10 }, (_, i) => ({
        task_id: rows[0].task_id,
        completion: i < 3 ? rows[0].canonical_solution : '    raise ValueError()\n',
      })),
      ...Array.from({ length: 10 }, () => ({ task_id: rows[1].task_id, completion: '    pass\n' })),
    ];
    const file = join(work, 'samples.jsonl');
    writeSamples(file, lines);
    const out = join(work, 'samples');
    const result = await scoreSingleLine(file, out);
    expect(result.code).toBe(0);
    const system = metricsOf(out).rules[0].systems.find((s: { name: string }) => s.name === 'completion');
    // pass@1 = mean(3/10, 0); pass@10 = mean(1, 0).
    expect(system.passAtK['pass@1']).toBeCloseTo(0.15, 12);
    expect(system.passAtK['pass@10']).toBeCloseTo(0.5, 12);
  });

  it('hostile completions are recorded as failures, the run goes on, and the host is untouched', async () => {
    // Tasks whose gap is a statement of the function body (4 spaces), so each hostile line is valid Python there.
    const rows = singleLineRows().filter(
      (r) => /^ {4}\S/.test(r.canonical_solution) && /^ {4}\S/.test(r.suffix),
    );
    const marker = join(work, `escaped-${process.pid}`);
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    let connections = 0;
    server.on('connection', () => connections++);
    const port = (server.address() as { port: number }).port;
    const line = (code: string) => `    ${code.split('\n').join('\n    ')}\n`;
    const hostile: Record<string, string> = {
      network: line(`import socket\nsocket.create_connection(("127.0.0.1", ${port}), timeout=1)`),
      write: line(`open(${JSON.stringify(marker)}, "w").write("x")`),
      forkBomb: line('import os\nwhile True:\n    os.fork()'),
      loop: line('while True:\n    pass'),
      memory: line('x = bytearray(10 * 1024 ** 3)'),
    };
    const names = Object.keys(hostile);
    const samples = [
      ...names.map((name, i) => ({ task_id: rows[i].task_id, completion: hostile[name] })),
      { task_id: rows[names.length].task_id, completion: rows[names.length].canonical_solution },
    ];
    const file = join(work, 'hostile.jsonl');
    writeSamples(file, samples);
    const out = join(work, 'hostile');
    const result = await scoreSingleLine(file, out);
    server.close();
    expect(result.code).toBe(0);
    const outcomes = readFileSync(join(out, 'outcomes.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const statuses = Object.fromEntries(
      outcomes.map((task, i) => [names[i] ?? 'canonical', task.candidates[0].execution.status]),
    );
    expect(statuses).toEqual({
      network: 'failed',
      write: 'failed',
      forkBomb: expect.stringMatching(/^(failed|timed_out)$/),
      loop: 'timed_out',
      memory: 'failed',
      canonical: 'passed',
    });
    expect(outcomes[4].candidates[0].execution.error).toContain('MemoryError');
    expect(existsSync(marker)).toBe(false);
    expect(connections).toBe(0);
  });

  it('names the file, line and field of a bad row, and exits non-zero', async () => {
    const file = join(work, 'bad.jsonl');
    writeFileSync(file, '{"task_id": "SingleLineInfilling/HumanEval/0/L0", "completion": 1}\n');
    const result = await bench([
      'score',
      file,
      '--dataset',
      'humaneval-single-line',
      '--out',
      join(work, 'bad'),
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file}:1: field "completion" must be a string`);

    writeFileSync(file, '{"task_id": "HumanEval/999", "completion": ""}\n');
    const unknown = await bench([
      'score',
      file,
      '--dataset',
      'humaneval-single-line',
      '--out',
      join(work, 'bad'),
    ]);
    expect(unknown.stderr).toContain('task_id "HumanEval/999" is not in humaneval-single-line');
  });

  it('refuses an unknown dataset name with the list of valid ones', async () => {
    const result = await bench(['score', 'x.jsonl', '--dataset', 'mbpp', '--out', join(work, 'x')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('santacoder-fim-py');
  });
});
