import { Command, InvalidArgumentError, Option } from 'commander';
import { projectVersion } from '@ensemble/config';
import { checkHealth } from './health.command';
import { modelInfo } from './info.command';

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
        'Evaluation commands (run, score, fit-selector, perf) are not built yet; see the README for their status.',
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

  return program;
}
