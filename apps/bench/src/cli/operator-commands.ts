import { Command, Option } from 'commander';
import { checkHealth } from '../health.command';
import { modelInfo } from '../info.command';
import { LocalStack } from '../local-stack';
import { positiveInt } from './options';

interface ServeOptions {
  arModelDir?: string;
  diffusionModelDir?: string;
  arPort: number;
  diffusionPort: number;
  orchestratorPort: number;
  metrics: boolean;
  startTimeout: number;
}

/** health, info and serve: the commands operators use around a deployment. */
export function registerOperatorCommands(program: Command): void {
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
}
