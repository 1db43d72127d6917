import { Command, InvalidArgumentError } from 'commander';
import { log, positiveInt } from '../cli/options';
import { defaultRunId } from '../run/run.command';
import { PERF_PHASES, PerfPhase, runPerf } from './perf';

interface PerfCliOptions {
  quick?: boolean;
  config?: string;
  seed: number;
  cacheDir?: string;
  resultsDir: string;
  runId?: string;
  only: PerfPhase[];
  waitIdle: number;
  profile?: boolean;
}

function phases(raw: string): PerfPhase[] {
  const list = raw.split(',').map((p) => p.trim());
  const unknown = list.filter((p) => !(PERF_PHASES as readonly string[]).includes(p));
  if (unknown.length || list.length === 0)
    throw new InvalidArgumentError(`unknown phase ${unknown.join(', ')} (phases: ${PERF_PHASES.join(', ')})`);
  return list as PerfPhase[];
}

/** `bench perf`: the performance suite (docs/perf.md). */
export function registerPerfCommand(program: Command): void {
  program
    .command('perf')
    .description(
      'Performance suite: the model servers and the orchestrator on a random-weight model of the real 0.5B shape ' +
        '(built once with tools/export, cached) against a minimal onnxruntime loop (the floor) and transformers, ' +
        'in one run; writes <results-dir>/perf-<time>/perf.json and perf.md and prints the table (docs/perf.md)',
    )
    .option(
      '--quick',
      'a small random model and fewer repetitions (a few minutes; checks the pipeline, not speed)',
    )
    .option(
      '--config <file>',
      'model config for random-checkpoint (default: the Qwen2.5-0.5B shape; --quick: tools/perf/configs/quick.json)',
    )
    .option('--seed <n>', 'random checkpoint seed', positiveInt('--seed'), 7)
    .option(
      '--cache-dir <dir>',
      'where model directories are cached (default: $ENSEMBLE_CACHE_DIR/perf, ~/.cache/ensemble-infill/perf)',
    )
    .option('--results-dir <dir>', 'parent of the run folder', 'results')
    .option('--run-id <id>', 'run folder name (default: perf-<timestamp>)')
    .option('--only <phases>', `comma-separated subset of ${PERF_PHASES.join(', ')}`, phases, [
      ...PERF_PHASES,
    ])
    .option(
      '--profile',
      'also write node --cpu-prof profiles of the servers and onnxruntime profiles of the floor into <run>/profiles ' +
        '(summarised in perf.md; perturbs the timings)',
    )
    .option(
      '--wait-idle <seconds>',
      'before measuring, wait up to this long for the 1-minute load average to drop below 1',
      positiveInt('--wait-idle'),
      0,
    )
    .action(async (options: PerfCliOptions) => {
      const run = await runPerf({
        quick: options.quick === true,
        config: options.config,
        seed: options.seed,
        cacheDir: options.cacheDir,
        resultsDir: options.resultsDir,
        runId: options.runId ?? defaultRunId('perf'),
        phases: options.only,
        waitIdleS: options.waitIdle,
        profile: options.profile === true,
        log,
      });
      process.stdout.write(run.table);
      process.stdout.write(`bench: perf results in ${run.dir} (perf.json, perf.md)\n`);
      if (run.failed > 0) throw new Error(`${run.failed} measurement step(s) failed; see ${run.dir}/perf.md`);
    });
}
