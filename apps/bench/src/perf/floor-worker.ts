/**
 * The floor: the exported ONNX graph driven by a minimal loop on onnxruntime-node in this one process — no gRPC, no
 * scheduler, no batching, greedy argmax. Started by `bench perf` as `node floor-worker.js JOB.json`; progress on
 * stderr, one JSON object (FloorResult) on stdout. The session is created exactly as the servers create theirs.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { createSession, ModelManifest, openModelDirectory, warmUp } from '@ensemble/inference';
import { memoryOf } from './proc';
import type { PerfWorkload } from './workload';

export interface FloorJob {
  kind: 'autoregressive' | 'diffusion';
  modelDir: string;
  workload: PerfWorkload;
  /** Only time to first token and decoding (used for the second weight layout). */
  decodeOnly?: boolean;
  /** false: the what-if of ORT_PREPACK_WEIGHTS=false (the servers' session options otherwise). */
  prepackWeights?: boolean;
  /** Autoregressive only: wait for FloorRequest messages (IPC) instead of running everything in order. */
  interactive?: boolean;
  /** Write an onnxruntime profile (per-kernel times) into this folder; slows the run a little. */
  profileDir?: string;
}

export interface ArFloorResult {
  ttftMs: number[];
  /** Wall time of greedy generation of newTokens tokens (prefill included). */
  generateMs: number[];
  generatedTokens: number;
  /** Every single-token decode forward (+ argmax) of the generate runs. */
  decodeStepMs: number[];
  /** Per generate run: mean decode step (forward + argmax), ms per token. */
  decodeMsPerToken: number[];
  /** One decode forward of a batch of `concurrency` rows over a past of the prompt's length. */
  batchDecodeStepMs?: number[];
  scoreMs?: number[];
}

export interface DiffusionFloorResult {
  canvasTokens: number;
  stepRestrictedMs: number[];
  stepFullMs: number[];
  infillMs: number[];
  infillForwards: number;
  infillStepMs: number[];
  scoreMs: number[];
}

export interface FloorResult {
  kind: FloorJob['kind'];
  modelDir: string;
  loadMs: number;
  rssAfterLoadBytes: number;
  peakRssBytes: number;
  /** At the end: anonymous and file-backed (memory-mapped weights) parts of the RSS. */
  rssAnonBytes?: number;
  rssFileBytes?: number;
  ar?: ArFloorResult;
  diffusion?: DiffusionFloorResult;
}

const log = (line: string) => process.stderr.write(`floor: ${line}\n`);
const int64 = (values: ArrayLike<number>, dims: number[]) =>
  new ort.Tensor('int64', BigInt64Array.from(Array.from(values), BigInt), dims);

function argmaxRow(data: Float32Array, offset: number, vocab: number): { id: number; probability: number } {
  let id = 0;
  let best = data[offset];
  for (let i = 1; i < vocab; i++) {
    if (data[offset + i] > best) {
      best = data[offset + i];
      id = i;
    }
  }
  let sum = 0;
  for (let i = 0; i < vocab; i++) sum += Math.exp(data[offset + i] - best);
  return { id, probability: 1 / sum };
}

function logSoftmaxAt(data: Float32Array, offset: number, vocab: number, id: number): number {
  let max = -Infinity;
  for (let i = 0; i < vocab; i++) if (data[offset + i] > max) max = data[offset + i];
  let sum = 0;
  for (let i = 0; i < vocab; i++) sum += Math.exp(data[offset + i] - max);
  return data[offset + id] - max - Math.log(sum);
}

class CausalFloor {
  private readonly layers: number;
  private readonly heads: number;
  private readonly headDim: number;

  constructor(
    private readonly session: ort.InferenceSession,
    manifest: ModelManifest,
  ) {
    ({ num_layers: this.layers, num_kv_heads: this.heads, head_dim: this.headDim } = manifest.graph);
  }

  /** tokens continue `past` (undefined: empty) in a batch of `batch` identical-length rows. */
  async forward(
    tokens: number[],
    pastLength: number,
    past: ort.InferenceSession.OnnxValueMapType | undefined,
    batch = 1,
  ): Promise<ort.InferenceSession.OnnxValueMapType> {
    const steps = tokens.length / batch;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: int64(tokens, [batch, steps]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(batch * (pastLength + steps)).fill(1n), [
        batch,
        pastLength + steps,
      ]),
      position_ids: int64(
        Array.from({ length: batch * steps }, (_, i) => pastLength + (i % steps)),
        [batch, steps],
      ),
    };
    for (let layer = 0; layer < this.layers; layer++) {
      for (const kind of ['key', 'value']) {
        feeds[`past_key_values.${layer}.${kind}`] = past
          ? (past[`present.${layer}.${kind}`] as ort.Tensor)
          : new ort.Tensor('float32', new Float32Array(0), [batch, this.heads, 0, this.headDim]);
      }
    }
    return this.session.run(feeds);
  }

  zeroPast(batch: number, length: number): ort.InferenceSession.OnnxValueMapType {
    const past: Record<string, ort.Tensor> = {};
    const dims = [batch, this.heads, length, this.headDim];
    for (let layer = 0; layer < this.layers; layer++) {
      for (const kind of ['key', 'value'])
        past[`present.${layer}.${kind}`] = new ort.Tensor(
          'float32',
          new Float32Array(batch * this.heads * length * this.headDim),
          dims,
        );
    }
    return past;
  }
}

function lastArgmax(outputs: ort.InferenceSession.OnnxValueMapType): number {
  const logits = outputs.logits as ort.Tensor;
  const [, steps, vocab] = logits.dims as number[];
  return argmaxRow(logits.data as Float32Array, (steps - 1) * vocab, vocab).id;
}

/** The autoregressive floor as separate operations, so `bench perf` can interleave them with the server's. */
class ArFloor {
  readonly result: ArFloorResult = {
    ttftMs: [],
    generateMs: [],
    generatedTokens: 0,
    decodeStepMs: [],
    decodeMsPerToken: [],
  };
  private readonly lm: CausalFloor;

  constructor(
    session: ort.InferenceSession,
    manifest: ModelManifest,
    private readonly job: FloorJob,
  ) {
    this.lm = new CausalFloor(session, manifest);
  }

  private get prompt(): number[] {
    return this.job.workload.ar.promptIds;
  }

  /** Untimed, as the servers' first request: JIT of this loop. */
  async warm(): Promise<void> {
    const warm = await this.lm.forward(this.prompt.slice(0, 8), 0, undefined);
    lastArgmax(await this.lm.forward([lastArgmax(warm)], 8, warm));
  }

  async ttft(): Promise<void> {
    const startedAt = performance.now();
    lastArgmax(await this.lm.forward(this.prompt, 0, undefined));
    this.result.ttftMs.push(performance.now() - startedAt);
  }

  async generate(): Promise<void> {
    const { newTokens } = this.job.workload.ar;
    const startedAt = performance.now();
    let outputs = await this.lm.forward(this.prompt, 0, undefined);
    let next = lastArgmax(outputs);
    let length = this.prompt.length;
    const decodeAt = performance.now();
    for (let token = 1; token < newTokens; token++) {
      const stepAt = performance.now();
      outputs = await this.lm.forward([next], length, outputs);
      next = lastArgmax(outputs);
      length++;
      this.result.decodeStepMs.push(performance.now() - stepAt);
    }
    this.result.generateMs.push(performance.now() - startedAt);
    this.result.decodeMsPerToken.push((performance.now() - decodeAt) / (newTokens - 1));
    this.result.generatedTokens = newTokens;
  }

  /** Batched decode forwards and scoring. */
  async rest(): Promise<void> {
    const { ar, shape } = this.job.workload;
    const prompt = this.prompt;
    const batch = shape.concurrency;
    log(
      `decode forwards of a batch of ${batch} over a ${prompt.length}-token past x${shape.reps.stepForwards}`,
    );
    const past = this.lm.zeroPast(batch, prompt.length);
    this.result.batchDecodeStepMs = [];
    for (let rep = 0; rep < shape.reps.stepForwards; rep++) {
      const startedAt = performance.now();
      const outputs = await this.lm.forward(new Array(batch).fill(prompt[0]), prompt.length, past, batch);
      const logits = outputs.logits as ort.Tensor;
      const vocab = logits.dims[2] as number;
      for (let row = 0; row < batch; row++) argmaxRow(logits.data as Float32Array, row * vocab, vocab);
      this.result.batchDecodeStepMs.push(performance.now() - startedAt);
    }
    log(`fim scoring of ${ar.scoreCandidateIds.length} candidates (one forward each) x${shape.reps.score}`);
    this.result.scoreMs = [];
    for (let rep = 0; rep < shape.reps.score; rep++) {
      const startedAt = performance.now();
      for (const candidate of ar.scoreCandidateIds) {
        const outputs = await this.lm.forward([...prompt, ...candidate.slice(0, -1)], 0, undefined);
        const logits = outputs.logits as ort.Tensor;
        const vocab = logits.dims[2] as number;
        candidate.forEach((id, i) =>
          logSoftmaxAt(logits.data as Float32Array, (prompt.length - 1 + i) * vocab, vocab, id),
        );
      }
      this.result.scoreMs.push(performance.now() - startedAt);
    }
  }

  /** Everything in order (the one-shot mode). */
  async all(): Promise<ArFloorResult> {
    const { ar, shape } = this.job.workload;
    const reps = this.job.decodeOnly ? shape.reps.layout : shape.reps;
    await this.warm();
    log(`time to first token (${this.prompt.length}-token prompt) x${reps.ttft}`);
    for (let rep = 0; rep < reps.ttft; rep++) await this.ttft();
    log(`greedy generation of ${ar.newTokens} tokens x${reps.decode}`);
    for (let rep = 0; rep < reps.decode; rep++) await this.generate();
    if (!this.job.decodeOnly) await this.rest();
    return this.result;
  }
}

/** Messages of the interactive mode (`bench perf` interleaves floor and server repetitions). */
export type FloorRequest = { op: 'warm' | 'ttft' | 'generate' | 'rest' | 'finish' };
export type FloorReply =
  | { type: 'ready' }
  | { type: 'done' }
  | { type: 'result'; result: FloorResult }
  | { type: 'error'; message: string };

async function diffusionFloor(session: ort.InferenceSession, manifest: ModelManifest, job: FloorJob) {
  const { diffusion: w, shape } = job.workload;
  const shift = manifest.logits_shift;
  const predict = async (canvas: number[], rows: number[]) => {
    const feeds: Record<string, ort.Tensor> = {
      input_ids: int64(canvas, [1, canvas.length]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(canvas.length).fill(1n), [1, canvas.length]),
      position_ids: int64(
        canvas.map((_, i) => i),
        [1, canvas.length],
      ),
      logits_rows: int64(rows, [1, rows.length]),
    };
    const logits = (await session.run(feeds)).logits as ort.Tensor;
    return { data: logits.data as Float32Array, vocab: logits.dims[2] as number };
  };
  const start = w.prefixIds.length;
  const positions = Array.from({ length: w.middleLength }, (_, i) => start + i);
  const rows = positions.map((p) => Math.max(p - shift, 0));
  const initial = [...w.prefixIds, ...new Array(w.middleLength).fill(w.maskId), ...w.suffixIds];
  const result: DiffusionFloorResult = {
    canvasTokens: initial.length,
    stepRestrictedMs: [],
    stepFullMs: [],
    infillMs: [],
    infillForwards: 0,
    infillStepMs: [],
    scoreMs: [],
  };
  const allRows = initial.map((_, i) => i);
  await predict(initial.slice(0, 8), [0]); // untimed warm-up of this loop
  log(
    `denoising forwards on a ${initial.length}-token canvas: ${rows.length} rows vs all ${allRows.length} x${shape.reps.stepForwards}`,
  );
  for (let rep = 0; rep < shape.reps.stepForwards; rep++) {
    for (const [target, rowSet] of [
      [result.stepRestrictedMs, rows],
      [result.stepFullMs, allRows],
    ] as const) {
      const startedAt = performance.now();
      const { data, vocab } = await predict(initial, rowSet);
      for (const row of rows)
        argmaxRow(data, rowSet === rows ? rows.indexOf(row) * vocab : row * vocab, vocab);
      target.push(performance.now() - startedAt);
    }
  }

  if (shape.reps.floorInfill > 0)
    log(`p2 greedy infill, ${w.steps} steps, ${w.middleLength} masks x${shape.reps.floorInfill}`);
  for (let rep = 0; rep < shape.reps.floorInfill; rep++) {
    const canvas = [...initial];
    let forwards = 0;
    const startedAt = performance.now();
    for (let step = 0; step < w.steps; step++) {
      if (!canvas.includes(w.maskId)) break;
      const stepAt = performance.now();
      const { data, vocab } = await predict(canvas, rows);
      forwards++;
      const sampled = positions.map((position, i) => ({ position, ...argmaxRow(data, i * vocab, vocab) }));
      // p2 schedule in float32 (REFERENCE.md §2): the k least confident positions are (re-)masked.
      const keep = Math.floor(Math.fround(w.middleLength * Math.fround(1 - (step + 1) / w.steps)));
      const ranked = [...sampled].sort((a, b) => a.probability - b.probability || a.position - b.position);
      const remask = new Set(ranked.slice(0, keep).map((s) => s.position));
      for (const s of sampled) {
        if (remask.has(s.position)) canvas[s.position] = w.maskId;
        else if (canvas[s.position] === w.maskId) canvas[s.position] = s.id;
      }
      result.infillStepMs.push(performance.now() - stepAt);
    }
    result.infillMs.push(performance.now() - startedAt);
    result.infillForwards = forwards;
  }

  log(`one-shot masked scoring of ${w.scoreCandidateIds.length} candidates x${shape.reps.score}`);
  for (let rep = 0; rep < shape.reps.score; rep++) {
    const startedAt = performance.now();
    for (const candidate of w.scoreCandidateIds) {
      const canvas = [...w.prefixIds, ...new Array(candidate.length).fill(w.maskId), ...w.suffixIds];
      const { data, vocab } = await predict(
        canvas,
        candidate.map((_, i) => Math.max(start + i - shift, 0)),
      );
      candidate.forEach((id, i) => logSoftmaxAt(data, i * vocab, vocab, id));
    }
    result.scoreMs.push(performance.now() - startedAt);
  }
  return result;
}

async function main(): Promise<void> {
  const job = JSON.parse(readFileSync(process.argv[2], 'utf8')) as FloorJob;
  const dir = openModelDirectory(job.modelDir, job.kind);
  log(`loading ${dir.graphPath}`);
  const startedAt = performance.now();
  // The servers' own session options, plus the what-ifs and the profiler this job asks for.
  const session = await createSession(dir.graphPath, {
    provider: 'cpu',
    intraOpThreads: 0,
    interOpThreads: 0,
    prepackWeights: job.prepackWeights,
    profileFilePrefix: job.profileDir
      ? join(job.profileDir, `onnxruntime_floor_${basename(job.modelDir)}`)
      : undefined,
  });
  await warmUp(session, dir.manifest);
  const loadMs = performance.now() - startedAt;
  const rssAfterLoadBytes = memoryOf(process.pid).rssBytes;
  const result: FloorResult = {
    kind: job.kind,
    modelDir: job.modelDir,
    loadMs,
    rssAfterLoadBytes,
    peakRssBytes: 0,
  };
  const finish = async () => {
    const memory = memoryOf(process.pid);
    result.peakRssBytes = memory.peakRssBytes;
    result.rssAnonBytes = memory.rssAnonBytes;
    result.rssFileBytes = memory.rssFileBytes;
    if (job.profileDir) session.endProfiling();
    await session.release();
    return result;
  };
  if (job.kind === 'autoregressive' && job.interactive && process.send) {
    const floor = new ArFloor(session, dir.manifest, job);
    result.ar = floor.result;
    const send = (reply: FloorReply) => process.send?.(reply);
    process.on('message', (request: FloorRequest) => {
      if (request.op === 'finish') {
        void finish().then((r) => process.send?.({ type: 'result', result: r }, () => process.exit(0)));
        return;
      }
      floor[request.op]().then(
        () => send({ type: 'done' }),
        (error: unknown) => send({ type: 'error', message: (error as Error).message }),
      );
    });
    send({ type: 'ready' });
    return;
  }
  if (job.kind === 'autoregressive') result.ar = await new ArFloor(session, dir.manifest, job).all();
  else result.diffusion = await diffusionFloor(session, dir.manifest, job);
  process.stdout.write(JSON.stringify(await finish()) + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`floor: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
