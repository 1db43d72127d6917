import { Command, Option } from 'commander';
import { CORRECTNESS_RULES, CorrectnessRule } from '@ensemble/evaluation';
import { finiteNumber, log, positiveInt } from '../cli/options';
import { fitSelector } from './fit-selector';

export function registerFitSelectorCommand(program: Command): void {
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
    .option('--l2 <x>', 'L2 penalty on standardised weights', finiteNumber('--l2'), 0.01)
    .action(
      async (
        runs: string[],
        options: { out: string; rule?: CorrectnessRule; folds: number; seed: number; l2: number },
      ) => {
        await fitSelector({ runs, ...options, log });
      },
    );
}
