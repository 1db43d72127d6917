import { ChildProcess, spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { collectStream, createClient, freePort, unaryCall } from '@ensemble/grpc';
import {
  DiffusionAlgorithm,
  GenerateResponse,
  GenerateStreamResponse,
  LengthPolicy,
  MODEL_SERVICE,
  ScoreMode,
  ScoreResponse,
} from '@ensemble/proto';
import { MODEL_SERVER_NODE_FLAGS } from '@ensemble/model-server';
import { checkHealth } from '../health.command';
import { memoryOf, ProcessMemory } from './proc';
import { timed } from './stats';
import type { PerfWorkload } from './workload';

export type ModelApp = 'ar-server' | 'diffusion-server';

// No measured call may hit a deadline; a stuck server still ends the run.
const CALL_TIMEOUT_MS = 30 * 60_000;

/**
 * One model server started alone from dist/, as an operator starts it (`npm run start:<app>`), for per-server
 * numbers: load time, resident memory, and each RPC without the other model competing for the cores. (LocalStack
 * starts the whole trio; the ensemble phase uses it.)
 */
export class PerfServer {
  readonly client: grpc.Client;

  private constructor(
    readonly app: ModelApp,
    readonly target: string,
    private readonly child: ChildProcess,
    private readonly exited: Promise<void>,
    /** Spawn to SERVING, wall clock. */
    readonly startMs: number,
    /** The server's own load time (model directory, session, warm-up), from its `model ready` log line. */
    readonly loadMs: number,
    /** Resident memory once SERVING, before any request. */
    readonly rssAtReadyBytes: number,
  ) {
    this.client = createClient(MODEL_SERVICE, target);
  }

  static async start(
    app: ModelApp,
    modelDir: string,
    logFile: string,
    options: {
      env?: Record<string, string>;
      nodeArgs?: string[];
      profile?: { dir: string; name: string };
    } = {},
  ): Promise<PerfServer> {
    const port = await freePort();
    const main = join(__dirname, '..', '..', '..', app, 'src', 'main.js');
    // --cpu-prof: V8 writes the main thread's profile when the server exits (after SIGTERM and its drain).
    const profile = options.profile
      ? [
          '--cpu-prof',
          `--cpu-prof-dir=${options.profile.dir}`,
          `--cpu-prof-name=${options.profile.name}.cpuprofile`,
        ]
      : [];
    const startedAt = performance.now();
    const child = spawn(
      process.execPath,
      [...(options.nodeArgs ?? MODEL_SERVER_NODE_FLAGS), ...profile, main],
      {
        env: {
          ...process.env,
          GRPC_HOST: '127.0.0.1',
          GRPC_PORT: String(port),
          METRICS_PORT: '0',
          MODEL_DIR: modelDir,
          // Loopback only: plaintext is an explicit, safe choice here (the servers refuse it by default).
          ALLOW_PLAINTEXT: 'true',
          ...options.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let loadMs = NaN;
    for (const stream of [child.stdout, child.stderr]) {
      let pending = '';
      stream.on('data', (chunk: Buffer) => {
        appendFileSync(logFile, chunk);
        const lines = (pending + chunk.toString()).split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines.filter((l) => l.includes('"model ready"'))) {
          try {
            loadMs = Number((JSON.parse(line) as { loadMs?: number }).loadMs);
          } catch {
            // not a JSON record
          }
        }
      });
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let dead = false;
    void exited.then(() => (dead = true));
    const target = `127.0.0.1:${port}`;
    const health = await Promise.race([
      checkHealth({ target, service: '', timeoutMs: 1000, waitMs: 900_000 }),
      exited.then(() => ({ serving: false, detail: 'the process exited' })),
    ]);
    if (!health.serving || dead) {
      child.kill('SIGKILL');
      throw new Error(`${app} did not become SERVING (${health.detail}); see ${logFile}`);
    }
    const startMs = performance.now() - startedAt;
    const rss = memoryOf(child.pid as number).rssBytes;
    return new PerfServer(app, target, child, exited, startMs, loadMs, rss);
  }

  memory(): ProcessMemory {
    return memoryOf(this.child.pid as number);
  }

  generate(request: object): Promise<GenerateResponse> {
    return unaryCall<GenerateResponse>(this.client, 'Generate', request, { timeoutMs: CALL_TIMEOUT_MS });
  }

  score(request: object): Promise<ScoreResponse> {
    return unaryCall<ScoreResponse>(this.client, 'Score', request, { timeoutMs: CALL_TIMEOUT_MS });
  }

  async stop(): Promise<void> {
    this.client.close();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }
}

export interface ArServerResult {
  startMs: number;
  loadMs: number;
  rssAtReadyBytes: number;
  ttftMs: number[];
  generateMs: number[];
  generatedTokens: number;
  /** Per Generate: the server's own decode time (everything after the first token) / (tokens - 1). */
  decodeMsPerToken: number[];
  /** The published sampling (temperature 0.6, top-p 0.95) instead of greedy, same length. */
  sampledGenerateMs?: number[];
  sampledTokens?: number;
  sampledDecodeMsPerToken?: number[];
  /** Wall clock of `concurrency` simultaneous Generate calls, first send to last answer. */
  concurrentMs?: number[];
  concurrentTokens?: number;
  /** Per concurrent run: when the last request got its first token (queue + prefill), ms after the sends. */
  concurrentAllPrefilledMs?: number[];
  scoreMs?: number[];
  rssBytes: number;
  peakRssBytes: number;
  rssAnonBytes?: number;
  rssFileBytes?: number;
}

export interface DiffusionServerResult {
  startMs: number;
  loadMs: number;
  rssAtReadyBytes: number;
  infillMs: number[];
  /** Between consecutive denoising progress events of the streamed infills. */
  stepMs: number[];
  /** From the last progress event to the end of the stream (after denoising: decoding, the engine's own score). */
  afterLastStepMs: number[];
  forwards: number;
  scoreMs: number[];
  rssBytes: number;
  peakRssBytes: number;
  rssAnonBytes?: number;
  rssFileBytes?: number;
}

const GREEDY = { temperature: 0, topP: 1, topK: 0, seed: 1, stop: [] as string[], n: 1 };

export function arGenerateRequest(prefix: string, suffix: string, maxNewTokens: number, sampled = false) {
  return {
    input: { prefix, suffix },
    sampling: sampled
      ? { ...GREEDY, temperature: 0.6, topP: 0.95, maxNewTokens }
      : { ...GREEDY, maxNewTokens },
  };
}

export function diffusionGenerateRequest(
  prefix: string,
  suffix: string,
  steps: number,
  middleLength: number,
) {
  return {
    input: { prefix, suffix },
    sampling: GREEDY,
    diffusion: {
      steps,
      algorithm: DiffusionAlgorithm.DIFFUSION_ALGORITHM_P2,
      algTemp: 0,
      lengthPolicy: LengthPolicy.LENGTH_POLICY_FIXED,
      middleLength,
      candidateLengths: [],
    },
  };
}

export function scoreRequest(prefix: string, suffix: string, candidates: string[], mode: ScoreMode) {
  return { input: { prefix, suffix }, candidates, mode, includeEos: false, returnTokenLogprobs: false };
}

/** The server's own decode time per token after the first (its prefill returns the first). */
function decodePerToken(response: GenerateResponse): number {
  const tokens = response.completions[0].completionTokens;
  // A stop token right after the first leaves nothing to time (NaN is dropped from the statistics).
  return tokens < 2 ? NaN : (response.timings?.decodeMs ?? NaN) / (tokens - 1);
}

/** Time to first token, batch-1 decoding, concurrency and fim scoring against a running ar-server. */
export async function benchArServer(
  server: PerfServer,
  workload: PerfWorkload,
  options: {
    decodeOnly?: boolean;
    sampled?: boolean;
    log: (line: string) => void;
    /** The floor's repetitions, run right before each of the server's (bandwidth drifts over minutes). */
    interleave?: {
      ttft(): Promise<void>;
      generate(): Promise<void>;
      beforeDecode(): Promise<void>;
      afterDecode(): Promise<void>;
    };
  },
): Promise<ArServerResult> {
  const { ar, shape } = workload;
  const { log } = options;
  const result: ArServerResult = {
    startMs: server.startMs,
    loadMs: server.loadMs,
    rssAtReadyBytes: server.rssAtReadyBytes,
    ttftMs: [],
    generateMs: [],
    generatedTokens: 0,
    decodeMsPerToken: [],
    rssBytes: 0,
    peakRssBytes: 0,
  };
  // Untimed: the channel connects and the server's request path warms up (the floor warms up too).
  await server.generate(arGenerateRequest(ar.prefix, ar.suffix, 2));
  const reps = options.decodeOnly ? shape.reps.layout : shape.reps;
  const { interleave } = options;
  const alternating = interleave ? ', alternating with the floor' : '';
  log(`  ar-server: time to first token x${reps.ttft}${alternating}`);
  for (let rep = 0; rep < reps.ttft; rep++) {
    await interleave?.ttft();
    result.ttftMs.push((await timed(() => server.generate(arGenerateRequest(ar.prefix, ar.suffix, 1)))).ms);
  }
  await interleave?.beforeDecode();
  log(`  ar-server: greedy Generate of ${ar.newTokens} tokens x${reps.decode}${alternating}`);
  for (let rep = 0; rep < reps.decode; rep++) {
    await interleave?.generate();
    const { ms, value } = await timed(() =>
      server.generate(arGenerateRequest(ar.prefix, ar.suffix, ar.newTokens)),
    );
    result.generateMs.push(ms);
    result.generatedTokens = value.completions[0].completionTokens;
    result.decodeMsPerToken.push(decodePerToken(value));
  }
  await interleave?.afterDecode();
  if (options.sampled) {
    log(`  ar-server: sampled Generate (temperature 0.6, top-p 0.95) x${Math.min(2, shape.reps.decode)}`);
    result.sampledGenerateMs = [];
    result.sampledDecodeMsPerToken = [];
    for (let rep = 0; rep < Math.min(2, shape.reps.decode); rep++) {
      const { ms, value } = await timed(() =>
        server.generate(arGenerateRequest(ar.prefix, ar.suffix, ar.newTokens, true)),
      );
      result.sampledGenerateMs.push(ms);
      result.sampledTokens = value.completions[0].completionTokens;
      result.sampledDecodeMsPerToken.push(decodePerToken(value));
    }
  }
  if (!options.decodeOnly) {
    log(`  ar-server: ${ar.concurrent.length} concurrent Generate calls x${shape.reps.concurrent}`);
    result.concurrentMs = [];
    result.concurrentAllPrefilledMs = [];
    for (let rep = 0; rep < shape.reps.concurrent; rep++) {
      const { ms, value } = await timed(() =>
        Promise.all(
          ar.concurrent.map((r) => server.generate(arGenerateRequest(r.prefix, r.suffix, ar.newTokens))),
        ),
      );
      result.concurrentMs.push(ms);
      result.concurrentTokens = value.reduce((sum, r) => sum + r.completions[0].completionTokens, 0);
      result.concurrentAllPrefilledMs.push(
        Math.max(...value.map((r) => (r.timings?.queueMs ?? 0) + (r.timings?.prefillMs ?? 0))),
      );
    }
    log(`  ar-server: fim Score of ${ar.scoreCandidates.length} candidates x${shape.reps.score}`);
    result.scoreMs = [];
    for (let rep = 0; rep < shape.reps.score; rep++) {
      const request = scoreRequest(ar.prefix, ar.suffix, ar.scoreCandidates, ScoreMode.SCORE_MODE_FIM);
      result.scoreMs.push((await timed(() => server.score(request))).ms);
    }
  }
  Object.assign(result, server.memory());
  return result;
}

/** Streamed 64-step infills (per-step times from the progress events) and one-shot scoring. */
export async function benchDiffusionServer(
  server: PerfServer,
  workload: PerfWorkload,
  log: (line: string) => void,
): Promise<DiffusionServerResult> {
  const { diffusion: w, shape } = workload;
  const result: DiffusionServerResult = {
    startMs: server.startMs,
    loadMs: server.loadMs,
    rssAtReadyBytes: server.rssAtReadyBytes,
    infillMs: [],
    stepMs: [],
    afterLastStepMs: [],
    forwards: 0,
    scoreMs: [],
    rssBytes: 0,
    peakRssBytes: 0,
  };
  await server.score(
    scoreRequest(w.prefix, w.suffix, w.scoreCandidates.slice(0, 1), ScoreMode.SCORE_MODE_MASKED_ONE_SHOT),
  );
  log(
    `  diffusion-server: streamed p2 infill, ${w.steps} steps, ${w.middleLength} masks x${shape.reps.infill}`,
  );
  for (let rep = 0; rep < shape.reps.infill; rep++) {
    const arrivals: number[] = [];
    const startedAt = performance.now();
    const messages = await collectStream<GenerateStreamResponse>(
      server.client,
      'GenerateStream',
      diffusionGenerateRequest(w.prefix, w.suffix, w.steps, w.middleLength),
      {
        timeoutMs: CALL_TIMEOUT_MS,
        onMessage: (message) => {
          if (message.progress) arrivals.push(performance.now());
        },
      },
    );
    const endedAt = performance.now();
    result.infillMs.push(endedAt - startedAt);
    if (arrivals.length > 0) result.afterLastStepMs.push(endedAt - arrivals[arrivals.length - 1]);
    result.forwards = messages.find((m) => m.completion)?.completion?.forwardPasses ?? arrivals.length;
    for (let i = 1; i < arrivals.length; i++) result.stepMs.push(arrivals[i] - arrivals[i - 1]);
  }
  log(
    `  diffusion-server: masked_one_shot Score of ${w.scoreCandidates.length} candidates x${shape.reps.score}`,
  );
  for (let rep = 0; rep < shape.reps.score; rep++) {
    const request = scoreRequest(w.prefix, w.suffix, w.scoreCandidates, ScoreMode.SCORE_MODE_MASKED_ONE_SHOT);
    result.scoreMs.push((await timed(() => server.score(request))).ms);
  }
  Object.assign(result, server.memory());
  return result;
}
