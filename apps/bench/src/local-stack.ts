import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { MODEL_SERVER_NODE_FLAGS } from '@ensemble/model-server';
import { checkHealth } from './health.command';

export interface LocalStackOptions {
  arPort: number;
  diffusionPort: number;
  orchestratorPort: number;
  /** Undefined: the bundled tiny model of each kind. */
  arModelDir?: string;
  diffusionModelDir?: string;
  /** Give each server its default metrics port; false turns metrics listeners off. */
  metrics: boolean;
  /** How long to wait for all three to report SERVING. */
  startTimeoutMs: number;
  log: (line: string) => void;
}

type App = 'ar-server' | 'diffusion-server' | 'orchestrator';

/**
 * The embedded deployment: the three built servers as child processes on this machine (bundled tiny models unless
 * model directories are given). Their JSON logs pass through; if one dies, the others are stopped too.
 */
export class LocalStack {
  private readonly children = new Map<App, ChildProcess>();
  private stopping = false;
  /** Resolves with an exit code when the stack ends (after stop(), or when a server dies). */
  readonly finished: Promise<number>;
  private finish!: (code: number) => void;

  constructor(private readonly options: LocalStackOptions) {
    this.finished = new Promise((resolve) => (this.finish = resolve));
  }

  get orchestratorTarget(): string {
    return `127.0.0.1:${this.options.orchestratorPort}`;
  }

  /** Starts the servers and waits until all are SERVING; false if the stack was stopped before that. */
  async start(): Promise<boolean> {
    const { arPort, diffusionPort, orchestratorPort } = this.options;
    this.spawn('ar-server', arPort, this.options.arModelDir);
    this.spawn('diffusion-server', diffusionPort, this.options.diffusionModelDir);
    this.spawn('orchestrator', orchestratorPort, undefined, {
      ENSEMBLE_BACKENDS: `ar=127.0.0.1:${arPort},diffusion=127.0.0.1:${diffusionPort}`,
    });
    const ready = Promise.all(
      [arPort, diffusionPort, orchestratorPort].map((port) =>
        checkHealth({
          target: `127.0.0.1:${port}`,
          service: '',
          timeoutMs: 1000,
          waitMs: this.options.startTimeoutMs,
        }),
      ),
    );
    const outcome = await Promise.race([ready, this.finished.then(() => undefined)]);
    if (outcome === undefined) return false;
    if (outcome.some((result) => !result.serving)) {
      await this.stop(1);
      throw new Error(`the local stack did not become ready: ${outcome.map((r) => r.detail).join(', ')}`);
    }
    return true;
  }

  /** SIGTERM to every server, wait for them to exit, then settle `finished` with `exitCode`. */
  async stop(exitCode = 0): Promise<void> {
    this.stopping = true;
    const exits = [...this.children.values()].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    );
    await Promise.all(exits);
    this.finish(exitCode);
  }

  private spawn(
    app: App,
    port: number,
    modelDir: string | undefined,
    extraEnv: Record<string, string> = {},
  ): void {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: String(port),
      // Loopback only, so plaintext is an explicit, safe choice here (servers refuse it by default).
      ALLOW_PLAINTEXT: 'true',
      BACKEND_ALLOW_PLAINTEXT: 'true',
      ...extraEnv,
    };
    if (modelDir) env.MODEL_DIR = modelDir;
    if (!this.options.metrics) env.METRICS_PORT = '0';
    const main = join(__dirname, '..', '..', app, 'src', 'main.js');
    const flags = app === 'orchestrator' ? [] : MODEL_SERVER_NODE_FLAGS;
    const child = spawn(process.execPath, [...flags, main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [child.stdout, child.stderr]) {
      let pending = '';
      stream.on('data', (chunk: Buffer) => {
        const lines = (pending + chunk.toString()).split('\n');
        pending = lines.pop() ?? '';
        lines.filter(Boolean).forEach((line) => this.options.log(line));
      });
    }
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      this.options.log(`${app} exited unexpectedly (${signal ?? `code ${code}`}); stopping the stack`);
      void this.stop(1);
    });
    this.children.set(app, child);
  }
}
