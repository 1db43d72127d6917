import { Command, InvalidArgumentError, Option } from 'commander';
import { projectVersion } from '@ensemble/config';
import { checkHealth } from './health.command';
import { modelInfo } from './info.command';
import { LocalStack } from './local-stack';
import { CORRECTNESS_RULES, CorrectnessRule, DATASET_NAMES, DatasetName } from '@ensemble/evaluation';
import { runExperiments } from './experiments/experiments';
import { fitSelector } from './fit-selector/fit-selector';
import { mergeRuns } from './merge/merge-runs';
import { RunCliOptions, defaultRunId, runCommand } from './run/run.command';
import { wandbFrom } from './results/wandb-logger';
import { UsageError } from './usage-error';
import { scoreCommand } from './score/score.command';

const log = (line: string) => process.stderr.write(line + '\n');

function datasetOption(flags = '--dataset <name>') {
  return new Option(flags, 'benchmark split').choices(DATASET_NAMES).makeOptionMandatory();
}

function positiveInt(name: string) {
  return (raw: string): number => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0)
      throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return value;
  };
}

/** The `bench` command line. Each command is a thin adapter over a function that tests can call directly. */
export function buildCli(): Command {
  const program = new Command('bench')
    .description(
      'Benchmark runner and operator tools for the code-infilling ensemble.\n' +
        'The performance suite (perf) is not built yet; see the README for its status.',
    )
    .version(projectVersion())
    .showHelpAfterError()
    .configureOutput({ outputError: (text, write) => write(text) });

  program
    .command('health')
    .description('Check a server with grpc.health.v1.Health/Check; exit 0 when SERVING, 1 otherwise')
    .addOption(new Option('--target <host:port>', 'server address').default('127.0.0.1:50050'))
    .option('--service <name>', 'service to check ("" = whole server)', '')
    .option('--timeout <ms>', 'per-call deadline', positiveInt('--timeout'), 2000)
    .option('--wait <ms>', 'poll until SERVING for up to this long', positiveInt('--wait'), 0)
    .action(async (options: { target: string; service: string; timeout: number; wait: number }) => {
      const result = await checkHealth({
        target: options.target,
        service: options.service,
        timeoutMs: options.timeout,
        waitMs: options.wait,
      });
      process.stdout.write(`${options.target} ${result.detail}\n`);
      process.exitCode = result.serving ? 0 : 1;
    });

  program
    .command('info')
    .description("Print a model server's ensemble.v1.ModelService/GetModelInfo as JSON")
    .addOption(new Option('--target <host:port>', 'model server address').default('127.0.0.1:50051'))
    .option('--timeout <ms>', 'per-call deadline', positiveInt('--timeout'), 5000)
    .action(async (options: { target: string; timeout: number }) => {
      const info = await modelInfo(options.target, options.timeout);
      process.stdout.write(JSON.stringify(info, null, 2) + '\n');
    });

  program
    .command('serve')
    .description(
      'Start ar-server, diffusion-server and the orchestrator on this machine (bundled tiny models unless model ' +
        'directories are given) and keep them running until Ctrl-C / SIGTERM',
    )
    .option('--ar-model-dir <dir>', 'autoregressive model directory (default: bundled tiny model)')
    .option('--diffusion-model-dir <dir>', 'diffusion model directory (default: bundled tiny model)')
    .option('--ar-port <port>', 'ar-server gRPC port', positiveInt('--ar-port'), 50051)
    .option('--diffusion-port <port>', 'diffusion-server gRPC port', positiveInt('--diffusion-port'), 50052)
    .option('--orchestrator-port <port>', 'orchestrator gRPC port', positiveInt('--orchestrator-port'), 50050)
    .option('--no-metrics', 'do not open the Prometheus metrics ports')
    .option(
      '--start-timeout <ms>',
      'how long to wait for every server to be SERVING',
      positiveInt('--start-timeout'),
      300_000,
    )
    .action(async (options: ServeOptions) => {
      const stack = new LocalStack({
        arPort: options.arPort,
        diffusionPort: options.diffusionPort,
        orchestratorPort: options.orchestratorPort,
        arModelDir: options.arModelDir,
        diffusionModelDir: options.diffusionModelDir,
        metrics: options.metrics,
        startTimeoutMs: options.startTimeout,
        log: (line) => process.stdout.write(line + '\n'),
      });
      const onSignal = () => void stack.stop();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      if (await stack.start()) {
        process.stdout.write(
          `bench: ready: orchestrator ${stack.orchestratorTarget} (ensemble.v1.Ensemble), ar-server 127.0.0.1:${options.arPort}, ` +
            `diffusion-server 127.0.0.1:${options.diffusionPort} (ensemble.v1.ModelService). Ctrl-C stops them.\n`,
        );
      }
      process.exitCode = await stack.finished;
    });

  const number = (name: string) => (raw: string) => {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value))
      throw new InvalidArgumentError(`${name} must be a number`);
    return value;
  };
  program
    .command('run')
    .description(
      'Run a benchmark split through the ensemble (Ensemble.Evaluate) into <results-dir>/<run-id>/: ' +
        'predictions.jsonl as tasks finish, then metrics.json, stats.json, config.json and report.html',
    )
    .addOption(datasetOption())
    .option('--target <host:port>', 'a running orchestrator')
    .option('--embedded', 'start ar-server, diffusion-server and the orchestrator here (bundled tiny models)')
    .option('--ar-model-dir <dir>', 'with --embedded: autoregressive model directory')
    .option('--diffusion-model-dir <dir>', 'with --embedded: diffusion model directory')
    .option('--offset <n>', 'skip this many tasks of the split', positiveInt('--offset'), 0)
    .option('--limit <n>', 'run at most this many tasks', positiveInt('--limit'))
    .option('--shard-index <i>', 'run tasks whose index % shard-count == i', positiveInt('--shard-index'))
    .option('--shard-count <n>', 'number of shards', positiveInt('--shard-count'))
    .option('--task-ids <ids>', 'comma-separated task ids to run')
    .option('--concurrency <n>', 'tasks in flight on the orchestrator', positiveInt('--concurrency'), 4)
    .option('--temperature <t>', 'sampling temperature (0 = greedy)', number('--temperature'))
    .option('--top-p <p>', 'nucleus mass', number('--top-p'))
    .option('--top-k <k>', 'top-k cut-off', positiveInt('--top-k'))
    .option(
      '--seed <n>',
      'sampling seed of every task (fixed so runs are reproducible)',
      positiveInt('--seed'),
      0,
    )
    .option('--max-new-tokens <n>', 'generation budget', positiveInt('--max-new-tokens'))
    .option('--samples <n>', 'samples per model and task (pass@k)', positiveInt('--samples'))
    .option('--steps <n>', 'diffusion denoising steps', positiveInt('--steps'))
    .addOption(
      new Option('--algorithm <name>', 'diffusion sampler').choices([
        'p2',
        'p2-legacy',
        'maskgit_plus',
        'entropy',
        'topk_margin',
        'origin',
      ]),
    )
    .option('--alg-temp <t>', 'diffusion confidence noise', number('--alg-temp'))
    .option('--oracle-length', 'give the diffusion model the true middle length (the published protocol)')
    .option('--strategies <list>', 'comma-separated strategies to evaluate (default: all available)')
    .addOption(
      new Option('--strategy <name>', 'strategy whose pick is `completion` in predictions.jsonl')
        .choices(['seed', 'fim', 'cross', 'structural', 'learned'])
        .default('cross'),
    )
    .option('--results-dir <dir>', 'parent of the run folder', 'results')
    .option('--run-id <id>', 'run folder name (default: <dataset>-<timestamp>)')
    .option('--resume', 'continue the run --run-id: skip saved tasks, retry failed ones')
    .option('--no-execute', 'save predictions only; do not run the HumanEval tests')
    .option(
      '--unsafe-no-sandbox',
      'run generated code without bwrap (only in a container that is the sandbox)',
    )
    .option(
      '--parallelism <n>',
      'programs executed at once (default: CPU count)',
      positiveInt('--parallelism'),
    )
    .option('--timeout <ms>', 'per-program wall clock (HumanEval: 3000)', positiveInt('--timeout'))
    .option('--no-report', 'skip report.html and the chart PNGs')
    .option(
      '--wandb-project <name>',
      'also log to Weights & Biases (default: $WANDB_PROJECT; WANDB_MODE=offline works)',
    )
    .action((options: RunCliOptions) => runCommand(options, log));

  program
    .command('experiments')
    .description(
      'The main job: the ensemble on HumanEval-Infilling (single-line) and SantaCoder-FIM under the published ' +
        'protocol (temperature 0.6, top-p 0.95, p2 64 steps, oracle length), metrics, reports and a summary. ' +
        'Without --target or model directories it runs on the bundled tiny models and says so.',
    )
    .option('--datasets <list>', 'comma-separated splits', 'humaneval-single-line,santacoder-fim-py')
    .option('--limit <n>', 'tasks per dataset (default: all)', positiveInt('--limit'))
    .option(
      '--max-new-tokens <n>',
      "AR generation budget (default: the server's)",
      positiveInt('--max-new-tokens'),
    )
    .option('--target <host:port>', 'a running orchestrator instead of the embedded stack')
    .option('--ar-model-dir <dir>', 'embedded stack: autoregressive model directory')
    .option('--diffusion-model-dir <dir>', 'embedded stack: diffusion model directory')
    .option('--results-dir <dir>', 'parent of the experiment folder', 'results')
    .option('--experiment-id <id>', 'experiment folder name (default: experiments-<timestamp>)')
    .option('--resume', 'continue the experiment --experiment-id')
    .option('--concurrency <n>', 'tasks in flight on the orchestrator', positiveInt('--concurrency'), 4)
    .option(
      '--unsafe-no-sandbox',
      'run generated code without bwrap (only in a container that is the sandbox)',
    )
    .option(
      '--parallelism <n>',
      'programs executed at once (default: CPU count)',
      positiveInt('--parallelism'),
    )
    .action(async (options: ExperimentsCliOptions) => {
      const datasets = options.datasets.split(',').map((d) => d.trim());
      const unknown = datasets.filter((d) => !(DATASET_NAMES as readonly string[]).includes(d));
      if (unknown.length) {
        throw new UsageError(
          `--datasets: unknown ${unknown.join(', ')} (one of ${DATASET_NAMES.join(', ')})`,
        );
      }
      if (options.resume && !options.experimentId) throw new UsageError('--resume needs --experiment-id');
      const dir = await runExperiments({
        datasets: datasets as DatasetName[],
        limit: options.limit,
        maxNewTokens: options.maxNewTokens,
        target: options.target,
        models: { arModelDir: options.arModelDir, diffusionModelDir: options.diffusionModelDir },
        resultsDir: options.resultsDir,
        experimentId: options.experimentId ?? defaultRunId('experiments'),
        resume: options.resume === true,
        concurrency: options.concurrency,
        unsafeNoSandbox: options.unsafeNoSandbox === true,
        parallelism: options.parallelism,
        wandb: wandbFrom(options.wandbProject),
        log,
      });
      process.stdout.write(`bench: experiments written to ${dir} (summary.md, <dataset>/report.html)\n`);
    });

  program
    .command('fit-selector')
    .description(
      'Fit the `learned` selection strategy on judged run folders (k-fold cross-validated by task) and write ' +
        'the weights file the orchestrator loads with SELECTOR_WEIGHTS',
    )
    .argument('<runs...>', 'judged run folders (bench run / bench merge output)')
    .requiredOption('--out <file>', 'weights file to write (JSON)')
    .addOption(
      new Option('--rule <rule>', "what counts as correct (default: the dataset's first rule)").choices(
        CORRECTNESS_RULES,
      ),
    )
    .option('--folds <k>', 'cross-validation folds', positiveInt('--folds'), 5)
    .option('--seed <n>', 'fold shuffling seed', positiveInt('--seed'), 0)
    .option('--l2 <x>', 'L2 penalty on standardised weights', number('--l2'), 0.01)
    .action(
      async (
        runs: string[],
        options: { out: string; rule?: CorrectnessRule; folds: number; seed: number; l2: number },
      ) => {
        await fitSelector({ runs, ...options, log });
      },
    );

  program
    .command('merge')
    .description(
      'Merge the run folders of a sharded run (shards 0..n-1) into one run folder, judged and reported',
    )
    .argument('<shards...>', 'shard run folders')
    .requiredOption('--out <dir>', 'the merged run folder')
    .option('--no-execute', 'merge predictions only; do not run the HumanEval tests')
    .option(
      '--unsafe-no-sandbox',
      'run generated code without bwrap (only in a container that is the sandbox)',
    )
    .option(
      '--parallelism <n>',
      'programs executed at once (default: CPU count)',
      positiveInt('--parallelism'),
    )
    .option('--timeout <ms>', 'per-program wall clock (HumanEval: 3000)', positiveInt('--timeout'))
    .option('--no-report', 'skip report.html and the chart PNGs')
    .option(
      '--wandb-project <name>',
      'also log to Weights & Biases (default: $WANDB_PROJECT; WANDB_MODE=offline works)',
    )
    .action(async (shards: string[], options: MergeCliOptions) => {
      await mergeRuns({
        shards,
        out: options.out,
        execute: options.execute,
        unsafeNoSandbox: options.unsafeNoSandbox === true,
        parallelism: options.parallelism,
        timeoutMs: options.timeout,
        report: options.report,
        wandb: wandbFrom(options.wandbProject),
        log,
      });
    });

  program
    .command('score')
    .description(
      'Judge a predictions file without running models: our predictions.jsonl, the human-eval-infilling samples ' +
        "format {task_id, completion}, or the seed's published files; writes DIR/metrics.json (+ report.html)",
    )
    .argument('<file>', 'predictions (.jsonl or .jsonl.gz)')
    .addOption(datasetOption())
    .requiredOption('--out <dir>', 'folder for metrics.json, outcomes.jsonl and report.html')
    .option(
      '--parallelism <n>',
      'programs executed at once (default: CPU count)',
      positiveInt('--parallelism'),
    )
    .option('--timeout <ms>', 'per-program wall clock (HumanEval: 3000)', positiveInt('--timeout'))
    .option(
      '--unsafe-no-sandbox',
      'run generated code without bwrap (only in a container that is the sandbox)',
    )
    .option('--no-report', 'skip report.html and the chart PNGs')
    .action(async (file: string, options: ScoreCliOptions) => {
      await scoreCommand({
        file,
        dataset: options.dataset,
        out: options.out,
        unsafeNoSandbox: options.unsafeNoSandbox === true,
        parallelism: options.parallelism,
        timeoutMs: options.timeout,
        report: options.report,
        log,
      });
    });

  return program;
}

interface ExperimentsCliOptions {
  wandbProject?: string;
  datasets: string;
  limit?: number;
  maxNewTokens?: number;
  target?: string;
  arModelDir?: string;
  diffusionModelDir?: string;
  resultsDir: string;
  experimentId?: string;
  resume?: boolean;
  concurrency: number;
  unsafeNoSandbox?: boolean;
  parallelism?: number;
}

interface MergeCliOptions {
  wandbProject?: string;
  out: string;
  execute: boolean;
  unsafeNoSandbox?: boolean;
  parallelism?: number;
  timeout?: number;
  report: boolean;
}

interface ScoreCliOptions {
  dataset: DatasetName;
  out: string;
  parallelism?: number;
  timeout?: number;
  unsafeNoSandbox?: boolean;
  report: boolean;
}

interface ServeOptions {
  arModelDir?: string;
  diffusionModelDir?: string;
  arPort: number;
  diffusionPort: number;
  orchestratorPort: number;
  metrics: boolean;
  startTimeout: number;
}
