import { basename } from 'node:path';
import { Command } from 'commander';
import { DatasetName } from '@ensemble/evaluation';
import {
  JudgingCliOptions,
  addJudgingOptions,
  addReportingOptions,
  datasetOption,
  judgingFrom,
  log,
} from '../cli/options';
import { RunFolder } from '../results/run-folder';
import { writeResults } from '../results/write-results';
import { countsLine, headlineTable, scorePredictions } from './score-predictions';

export interface ScoreCommandOptions {
  file: string;
  dataset: DatasetName;
  out: string;
  unsafeNoSandbox: boolean;
  parallelism?: number;
  timeoutMs?: number;
  report: boolean;
  log: (line: string) => void;
}

/** `bench score FILE --dataset NAME --out DIR`: judge a predictions file without running any model. */
export async function scoreCommand(options: ScoreCommandOptions): Promise<void> {
  const result = await scorePredictions(options);
  const folder = RunFolder.open(options.out);
  await writeResults(folder, {
    title: `bench score ${basename(options.file)} (${options.dataset})`,
    runId: basename(options.out),
    config: { command: 'score', file: options.file, dataset: options.dataset, format: result.format },
    metrics: result.metrics,
    tasks: result.tasks,
    noReport: !options.report,
    log: options.log,
  });
  options.log(headlineTable(result.metrics));
  process.stdout.write(countsLine(result.metrics) + '\n');
  options.log(`bench: wrote ${folder.path('metrics.json')}`);
}

export function registerScoreCommand(program: Command): void {
  const command = program
    .command('score')
    .description(
      'Judge a predictions file without running models: our predictions.jsonl, the human-eval-infilling samples ' +
        "format {task_id, completion}, or the seed's published files; writes DIR/metrics.json (+ report.html)",
    )
    .argument('<file>', 'predictions (.jsonl or .jsonl.gz)')
    .addOption(datasetOption())
    .requiredOption('--out <dir>', 'folder for metrics.json, outcomes.jsonl and report.html');
  addReportingOptions(addJudgingOptions(command), { wandb: false }).action(
    async (
      file: string,
      options: JudgingCliOptions & { dataset: DatasetName; out: string; report: boolean },
    ) => {
      await scoreCommand({
        file,
        dataset: options.dataset,
        out: options.out,
        ...judgingFrom(options),
        report: options.report,
        log,
      });
    },
  );
}
