import { Command } from 'commander';
import { projectVersion } from '@ensemble/config';
import { registerOperatorCommands } from './cli/operator-commands';
import { registerExperimentsCommand } from './experiments/experiments.command';
import { registerFitSelectorCommand } from './fit-selector/fit-selector.command';
import { registerMergeCommand } from './merge/merge.command';
import { registerRunCommand } from './run/run.command';
import { registerScoreCommand } from './score/score.command';
import { registerPerfCommand } from './perf/perf.command';

/** The `bench` command line. Each command is a thin adapter over a function that tests can call directly. */
export function buildCli(): Command {
  const program = new Command('bench')
    .description(
      'Benchmark runner and operator tools for the code-infilling ensemble.\n' +
        'The performance suite (perf) is not built yet; see the README for its status.',
    )
    .version(projectVersion())
    .showHelpAfterError()
    .configureOutput({ outputError: (text, write) => write(text) })
    // A command-line mistake exits 2 (like other usage errors); --help and --version exit 0.
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
  registerOperatorCommands(program);
  registerExperimentsCommand(program);
  registerRunCommand(program);
  registerScoreCommand(program);
  registerMergeCommand(program);
  registerFitSelectorCommand(program);
  registerPerfCommand(program);
  return program;
}
