import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerProcess } from '../e2e/support/server-process';
import { bench, startBench } from './bench-cli';

/** Small and fast on the tiny models: six tasks, short generations, one task at a time. */
const RUN_ARGS = [
  'run',
  '--dataset',
  'humaneval-single-line',
  '--limit',
  '6',
  '--concurrency',
  '1',
  '--max-new-tokens',
  '8',
  '--temperature',
  '0.8',
  '--seed',
  '7',
  '--no-report',
];

const lines = (file: string) =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;

async function waitForLines(file: string, count: number, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (lines(file) < count) {
    if (Date.now() > deadline) throw new Error(`${file} did not reach ${count} lines`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('bench run against real servers: resumed and sharded runs write the same predictions', () => {
  let ar: ServerProcess;
  let diffusion: ServerProcess;
  let orchestrator: ServerProcess;
  const results = mkdtempSync(join(tmpdir(), 'bench-run-'));
  const predictions = (runId: string) => join(results, runId, 'predictions.jsonl');
  /** RUN_ARGS against the current orchestrator into results/<runId>. */
  const runArgs = (runId: string, ...extra: string[]) => [
    ...RUN_ARGS,
    '--target',
    orchestrator.target,
    '--results-dir',
    results,
    '--run-id',
    runId,
    ...extra,
  ];

  const startOrchestrator = async (port?: number) => {
    const server = await ServerProcess.start(
      'orchestrator',
      { ENSEMBLE_BACKENDS: `ar=${ar.target},diffusion=${diffusion.target}` },
      { port },
    );
    await server.waitServing(120_000);
    return server;
  };

  beforeAll(async () => {
    [ar, diffusion] = await Promise.all([
      ServerProcess.start('ar-server'),
      ServerProcess.start('diffusion-server'),
    ]);
    await Promise.all([ar.waitServing(120_000), diffusion.waitServing(120_000)]);
    orchestrator = await startOrchestrator();
  });

  afterAll(async () => {
    await Promise.all([ar, diffusion, orchestrator].map((server) => server?.stop()));
  });

  let reference = '';

  it('an uninterrupted run writes one sorted line per task plus metrics, stats and config', async () => {
    // W&B is configured but its client is missing here: a warning, never a failed run.
    const result = await bench(runArgs('whole', '--wandb-project', 'p'), {
      ENSEMBLE_WANDB_PYTHON: '/usr/bin/python3',
      WANDB_MODE: 'offline',
    });
    expect(result.stderr).toContain('bench: WARNING: W&B logging failed');
    expect(result.stderr).toContain('bench: results in');
    expect(result.code).toBe(0);
    reference = readFileSync(predictions('whole'), 'utf8');
    const records = reference
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    expect(records.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const record of records) {
      expect(record.status).toBe('ok');
      expect(Object.keys(record.outputs).sort()).toEqual(['ar', 'diffusion']);
      expect(record.winner).toBe(record.selections.cross.backend);
      expect(record.candidates[0].scores.length).toBeGreaterThan(0);
    }
    for (const file of ['metrics.json', 'stats.json', 'config.json', 'outcomes.jsonl']) {
      expect(existsSync(join(results, 'whole', file))).toBe(true);
    }
    const metrics = JSON.parse(readFileSync(join(results, 'whole', 'metrics.json'), 'utf8'));
    expect(metrics.counts.tasks).toBe(6);
  });

  it('killed half way (SIGKILL) and resumed, it writes the same predictions file', async () => {
    const args = runArgs('killed');
    const first = startBench(args);
    await waitForLines(predictions('killed'), 3);
    first.child.kill('SIGKILL');
    await first.done;
    expect(lines(predictions('killed'))).toBeLessThan(6);

    const resumed = await bench([...args, '--resume']);
    expect(resumed.stderr).toMatch(/already saved, \d to run/);
    expect(resumed.code).toBe(0);
    expect(readFileSync(predictions('killed'), 'utf8')).toBe(reference);
  });

  it('survives an orchestrator restart: the run stops with a --resume hint, and --resume finishes it', async () => {
    const args = runArgs('restart');
    const first = startBench(args);
    await waitForLines(predictions('restart'), 2);
    const port = orchestrator.port;
    await orchestrator.stop('SIGKILL');
    const interrupted = await first.done;
    expect(interrupted.code).toBe(1);
    expect(interrupted.stderr).toContain('re-run the same command with --resume');

    orchestrator = await startOrchestrator(port);
    const resumed = await bench([...args, '--resume']);
    expect(resumed.code).toBe(0);
    expect(readFileSync(predictions('restart'), 'utf8')).toBe(reference);
  });

  it('three shards merged give the same predictions and metrics as the unsharded run', async () => {
    const shardDirs: string[] = [];
    for (const index of [0, 1, 2]) {
      const runId = `sharded-shard-${index}`;
      const result = await bench(runArgs(runId, '--shard-index', String(index), '--shard-count', '3'));
      expect(result.code).toBe(0);
      expect(lines(predictions(runId))).toBe(2);
      shardDirs.push(join(results, runId));
    }
    const merged = await bench([
      'merge',
      '--out',
      join(results, 'sharded'),
      ...shardDirs.reverse(),
      '--no-report',
    ]);
    expect(merged.stderr).toContain('merged 3 shards: 6 tasks');
    expect(merged.code).toBe(0);
    expect(readFileSync(predictions('sharded'), 'utf8')).toBe(reference);
    const metrics = (runId: string) => JSON.parse(readFileSync(join(results, runId, 'metrics.json'), 'utf8'));
    expect(metrics('sharded')).toEqual(metrics('whole'));

    const incomplete = await bench(['merge', '--out', join(results, 'partial'), ...shardDirs.slice(1)]);
    expect(incomplete.code).toBe(2);
    expect(incomplete.stderr).toContain('of 3 are missing');
  });

  it('reaches an orchestrator that requires a bearer token with --token-file, and is refused without it', async () => {
    const tokens = join(results, 'tokens');
    writeFileSync(tokens, 'not-this-one-at-all\nbench-secret-0123456789\n');
    const guarded = await ServerProcess.start('orchestrator', {
      ENSEMBLE_BACKENDS: `ar=${ar.target},diffusion=${diffusion.target}`,
      AUTH_TOKENS_FILE: tokens,
    });
    try {
      await guarded.waitServing(120_000);
      const args = [
        ...RUN_ARGS,
        '--limit',
        '1',
        '--target',
        guarded.target,
        '--results-dir',
        results,
        '--no-execute',
      ];
      const refused = await bench([...args, '--run-id', 'no-token']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('UNAUTHENTICATED');
      writeFileSync(join(results, 'token.txt'), 'bench-secret-0123456789\n');
      const allowed = await bench([...args, '--run-id', 'token', '--token-file', join(results, 'token.txt')]);
      expect(allowed.code).toBe(0);
      expect(lines(predictions('token'))).toBe(1);
    } finally {
      await guarded.stop();
    }
  });

  it('refuses to resume with different settings, naming the setting', async () => {
    const result = await bench([
      ...RUN_ARGS.map((arg) => (arg === '7' ? '8' : arg)),
      '--target',
      orchestrator.target,
      '--results-dir',
      results,
      '--run-id',
      'whole',
      '--resume',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--resume: settings differ from the saved run: sampling');
  });

  it('refuses to overwrite an existing run without --resume', async () => {
    const result = await bench(runArgs('whole'));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('already holds a run; add --resume');
  });
});
