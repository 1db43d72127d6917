import { ChildProcess, fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastJson, runChild } from './child-process';
import type { FloorJob, FloorReply, FloorRequest, FloorResult } from './floor-worker';

const WORKER = join(__dirname, 'floor-worker.js');

/** Runs the floor (floor-worker.js) in its own process, so its memory and threads are its own. */
export async function runFloor(
  job: FloorJob,
  jobFile: string,
  log: (line: string) => void,
): Promise<FloorResult> {
  writeFileSync(jobFile, JSON.stringify(job));
  const { stdout } = await runChild(process.execPath, [WORKER, jobFile], {
    onLine: (line) => log(`  ${line}`),
  });
  return lastJson<FloorResult>(stdout);
}

/**
 * The autoregressive floor kept loaded in its own process and driven one operation at a time, so its repetitions
 * alternate with the server's: the memory bandwidth of this machine drifts over minutes, and decoding follows it.
 */
export class FloorProcess {
  private waiting: { resolve: (reply: FloorReply) => void; reject: (error: Error) => void } | undefined;
  private exitError: Error | undefined;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (reply: FloorReply) => {
      const waiting = this.waiting;
      this.waiting = undefined;
      waiting?.resolve(reply);
    });
    child.once('exit', (code, signal) => {
      this.exitError = new Error(`the floor process exited (${signal ?? `code ${code}`})`);
      this.waiting?.reject(this.exitError);
      this.waiting = undefined;
    });
  }

  static async start(job: FloorJob, jobFile: string, log: (line: string) => void): Promise<FloorProcess> {
    writeFileSync(jobFile, JSON.stringify({ ...job, interactive: true }));
    const child = fork(WORKER, [jobFile], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let pending = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      lines.filter(Boolean).forEach((line) => log(`  ${line}`));
    });
    const floor = new FloorProcess(child);
    await floor.next();
    return floor;
  }

  private next(): Promise<FloorReply> {
    if (this.exitError) return Promise.reject(this.exitError);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject })).then((reply) => {
      const r = reply as FloorReply;
      if (r.type === 'error') throw new Error(`floor: ${r.message}`);
      return r;
    });
  }

  async call(op: Exclude<FloorRequest['op'], 'finish'>): Promise<void> {
    const reply = this.next();
    this.child.send({ op } satisfies FloorRequest);
    await reply;
  }

  /** Releases the session and returns everything measured. */
  async finish(): Promise<FloorResult> {
    const reply = this.next();
    this.child.send({ op: 'finish' } satisfies FloorRequest);
    const r = await reply;
    if (r.type !== 'result') throw new Error(`floor: unexpected reply ${r.type}`);
    return r.result;
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
