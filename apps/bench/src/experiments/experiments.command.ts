import { Command } from 'commander';
import { DATASET_NAMES, DatasetName } from '@ensemble/evaluation';
import { JudgingCliOptions, addJudgingOptions, judgingFrom, log, positiveInt } from '../cli/options';
import { wandbFrom } from '../results/wandb-logger';
import { defaultRunId } from '../run/run.command';
import { UsageError } from '../usage-error';
import { runExperiments } from './experiments';

interface ExperimentsCliOptions extends JudgingCliOptions {
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
  wandbProject?: string;
}

export function registerExperimentsCommand(program: Command): void {
  const command = program
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
      '--wandb-project <name>',
      'also log to Weights & Biases (default: $WANDB_PROJECT; WANDB_MODE=offline works)',
    );
  addJudgingOptions(command).action(async (options: ExperimentsCliOptions) => {
    const datasets = options.datasets.split(',').map((d) => d.trim());
    const unknown = datasets.filter((d) => !(DATASET_NAMES as readonly string[]).includes(d));
    if (unknown.length) {
      throw new UsageError(`--datasets: unknown ${unknown.join(', ')} (one of ${DATASET_NAMES.join(', ')})`);
    }
    if (options.resume && !options.experimentId) throw new UsageError('--resume needs --experiment-id');
    const { unsafeNoSandbox, parallelism } = judgingFrom(options);
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
      unsafeNoSandbox,
      parallelism,
      wandb: wandbFrom(options.wandbProject),
      log,
    });
    process.stdout.write(`bench: experiments written to ${dir} (summary.md, <dataset>/report.html)\n`);
  });
}
