import { Command } from 'commander';
import {
  JudgingCliOptions,
  ReportingCliOptions,
  addJudgingOptions,
  addReportingOptions,
  judgingFrom,
  log,
  reportingFrom,
} from '../cli/options';
import { mergeRuns } from './merge-runs';

interface MergeCliOptions extends JudgingCliOptions, ReportingCliOptions {
  out: string;
  execute: boolean;
}

export function registerMergeCommand(program: Command): void {
  const command = program
    .command('merge')
    .description(
      'Merge the run folders of a sharded run (shards 0..n-1) into one run folder, judged and reported',
    )
    .argument('<shards...>', 'shard run folders')
    .requiredOption('--out <dir>', 'the merged run folder')
    .option('--no-execute', 'merge predictions only; do not run the HumanEval tests');
  addReportingOptions(addJudgingOptions(command)).action(
    async (shards: string[], options: MergeCliOptions) => {
      await mergeRuns({
        shards,
        out: options.out,
        execute: options.execute,
        ...judgingFrom(options),
        ...reportingFrom(options),
        log,
      });
    },
  );
}
