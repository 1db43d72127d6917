import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { createClient, freePort, unaryCall } from '@ensemble/grpc';
import { MODEL_SERVER_NODE_FLAGS } from '@ensemble/model-server';
import { health, HEALTH_SERVICE } from '@ensemble/proto';

export { freePort } from '@ensemble/grpc';

export const ROOT = join(__dirname, '..', '..', '..');

export type AppName = 'ar-server' | 'diffusion-server' | 'orchestrator';

export interface StartOptions {
  /** A fixed port (e.g. to restart a server where its clients expect it); default: a free one. */
  port?: number;
  /** How this harness itself connects (waitServing, client()); default: plaintext. */
  credentials?: grpc.ChannelCredentials;
}

/** One built server started as a real process, as an operator would with `npm run start:<app>`. */
export class ServerProcess {
  readonly output: string[] = [];
  private readonly exited: Promise<number | null>;

  private constructor(
    readonly app: AppName,
    readonly port: number,
    readonly metricsPort: number,
    private readonly child: ChildProcess,
    readonly credentials: grpc.ChannelCredentials,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /**
   * Starts `app` on loopback. Plaintext is allowed explicitly (the servers refuse it by default); TLS variables in
   * `env` take precedence over that permission, as they do in production.
   */
  static async start(
    app: AppName,
    env: Record<string, string> = {},
    options: StartOptions = {},
  ): Promise<ServerProcess> {
    const port = options.port ?? (await freePort());
    const metricsPort = await freePort();
    const flags = app === 'orchestrator' ? [] : MODEL_SERVER_NODE_FLAGS;
    const child = spawn(process.execPath, [...flags, join(ROOT, 'dist', 'apps', app, 'src', 'main.js')], {
      cwd: ROOT,
      env: {
        ...process.env,
        GRPC_PORT: String(port),
        METRICS_PORT: String(metricsPort),
        GRPC_HOST: '127.0.0.1',
        ALLOW_PLAINTEXT: 'true',
        BACKEND_ALLOW_PLAINTEXT: 'true',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ServerProcess(
      app,
      port,
      metricsPort,
      child,
      options.credentials ?? grpc.credentials.createInsecure(),
    );
  }

  get target(): string {
    return `127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** A client of one of this server's services, connecting the way the harness was told to. */
  client(service: string, options: grpc.ChannelOptions = {}): grpc.Client {
    return createClient(service, this.target, options, this.credentials);
  }

  /** Resident set size in bytes, from /proc (Linux). */
  rssBytes(): number {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
    if (!match) throw new Error(`no VmRSS for ${this.app} (pid ${this.pid})`);
    return Number(match[1]) * 1024;
  }

  /** True until the process has exited. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get logs(): string {
    return this.output.join('');
  }

  /** Structured log records the server wrote (JSON lines). */
  records(): Array<Record<string, unknown>> {
    return this.logs
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** Polls grpc.health.v1 until SERVING; fails with the server's output if it exits or times out. */
  async waitServing(timeoutMs = 180_000): Promise<void> {
    const client = this.client(HEALTH_SERVICE);
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    try {
      while (Date.now() < deadline && !exited) {
        try {
          const response = await unaryCall<health.HealthCheckResponse>(
            client,
            'Check',
            { service: '' },
            { timeoutMs: 1000 },
          );
          if (response.status === health.HealthCheckResponse_ServingStatus.SERVING) return;
        } catch {
          // not listening yet
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      client.close();
    }
    throw new Error(
      `${this.app} did not become SERVING (${exited ? 'it exited' : 'timeout'}):\n${this.logs}`,
    );
  }

  /** Sends a signal and resolves with the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }

  exitCode(): Promise<number | null> {
    return this.exited;
  }
}

/** Runs a command to completion without blocking the event loop (never execFileSync next to a server under test). */
export function run(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `buf curl` through server reflection, as grpcurl users would call the servers. */
export function bufCurl(
  target: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return run(join(ROOT, 'node_modules', '.bin', 'buf'), [
    'curl',
    '--protocol',
    'grpc',
    '--http2-prior-knowledge',
    '--reflect',
    ...args.map((arg) => (arg.startsWith('/') ? `http://${target}${arg}` : arg)),
  ]);
}

export function grpcError(error: unknown): { code: number; details: string } {
  const { code, details } = error as grpc.ServiceError;
  return { code, details };
}
