import { ResourceExhaustedError } from '@ensemble/grpc';
import { Rng } from '../sampling/rng';
import { sampleToken, TokenSampling } from '../sampling/sample-token';
import { CausalLm } from './causal-lm';
import { KvCache } from './kv-cache';

export interface DecodeRequest {
  prompt: number[];
  sampling: TokenSampling;
  rng: Rng;
  maxNewTokens: number;
  /** Sees each sampled token (already appended); returns true to end the sequence after it (eos, stop string). */
  onToken(id: number): boolean;
  /** Aborted by cancellation or deadline: the row leaves the queue or the batch before the next forward. */
  signal: AbortSignal;
}

export interface DecodeResult {
  tokens: number[];
  /** `stopped`: onToken ended it; `length`: maxNewTokens reached. */
  finish: 'stopped' | 'length';
  /** Forward passes this sequence took part in. */
  forwards: number;
  queueMs: number;
  prefillMs: number;
  decodeMs: number;
}

export interface DecodeSchedulerOptions {
  maxBatchSize: number;
  /** Sequences waiting for a slot beyond this are refused with RESOURCE_EXHAUSTED. */
  maxQueueSize: number;
  /** Upper bound on batch x prompt tokens of one prefill forward (its logits are batch x tokens x vocab floats). */
  maxPrefillTokens: number;
}

interface Row {
  request: DecodeRequest;
  tokens: number[];
  forwards: number;
  submittedAt: number;
  admittedAt: number;
  firstTokenAt: number;
  /** Token to feed in the next decode step. */
  next: number;
  resolve(result: DecodeResult): void;
  reject(error: unknown): void;
}

/**
 * Continuous batching for a causal LM: sequences join the running batch between decode steps (prefilled on their
 * own, then merged into the KV cache with left padding), each row stops independently, and a finished, cancelled
 * or expired row frees its slot before the next forward.
 */
export class DecodeScheduler {
  private readonly pending: Row[] = [];
  private active: Row[] = [];
  private cache: KvCache;
  private running = false;
  /** Rows in a prefill forward right now: they hold slots but are not in `active` yet. */
  private admitting = 0;

  constructor(
    private readonly lm: CausalLm,
    private readonly options: DecodeSchedulerOptions,
  ) {
    this.cache = lm.emptyPast(0);
  }

  get queued(): number {
    return this.pending.length;
  }

  get batchSize(): number {
    return this.active.length;
  }

  submit(request: DecodeRequest): Promise<DecodeResult> {
    if (request.signal.aborted) return Promise.reject(request.signal.reason);
    // Sequences that will get a slot at the next admission do not count as queued.
    const freeSlots = Math.max(0, this.options.maxBatchSize - this.active.length - this.admitting);
    if (this.pending.length - freeSlots >= this.options.maxQueueSize) {
      return Promise.reject(
        new ResourceExhaustedError(
          `the decode queue is full (${this.options.maxQueueSize} waiting); retry later`,
        ),
      );
    }
    return new Promise<DecodeResult>((resolve, reject) => {
      const now = performance.now();
      this.pending.push({
        request,
        tokens: [],
        forwards: 0,
        submittedAt: now,
        admittedAt: now,
        firstTokenAt: now,
        next: -1,
        resolve,
        reject,
      });
      if (!this.running) {
        this.running = true;
        void this.loop();
      }
    });
  }

  private async loop(): Promise<void> {
    try {
      while (this.pending.length > 0 || this.active.length > 0) {
        this.dropAborted();
        await this.admit();
        this.dropAborted();
        if (this.active.length > 0) await this.step();
      }
    } catch (error) {
      // A bug here must not leave callers waiting forever: fail what is in flight, keep serving new work.
      [...this.pending.splice(0), ...this.active].forEach((row) => row.reject(error));
      this.active = [];
      this.cache = this.lm.emptyPast(0);
    } finally {
      this.running = false;
    }
  }

  /** Prefills waiting sequences into free slots, in budget-sized groups. */
  private async admit(): Promise<void> {
    while (this.pending.length > 0 && this.active.length < this.options.maxBatchSize) {
      const free = this.options.maxBatchSize - this.active.length;
      const group: Row[] = [];
      let longest = 0;
      while (group.length < free && this.pending.length > 0) {
        const candidate = this.pending[0];
        const length = Math.max(longest, candidate.request.prompt.length);
        if (group.length > 0 && length * (group.length + 1) > this.options.maxPrefillTokens) break;
        group.push(this.pending.shift() as Row);
        longest = length;
      }
      await this.prefill(group, longest);
    }
  }

  private async prefill(group: Row[], longest: number): Promise<void> {
    const startedAt = performance.now();
    group.forEach((row) => (row.admittedAt = startedAt));
    const pads = group.map((row) => longest - row.request.prompt.length);
    const tokens = group.map((row, i) => [
      ...new Array(pads[i]).fill(row.request.prompt[0]),
      ...row.request.prompt,
    ]);
    let forward;
    this.admitting = group.length;
    try {
      forward = await this.lm.forward(tokens, this.lm.emptyPast(group.length), 'prefill', { left: pads });
    } catch (error) {
      group.forEach((row) => row.reject(error));
      return;
    } finally {
      this.admitting = 0;
    }
    const finishedAt = performance.now();
    const survivors: number[] = [];
    group.forEach((row, i) => {
      row.forwards++;
      row.firstTokenAt = finishedAt;
      const offset = (i * forward.steps + forward.steps - 1) * forward.vocab;
      if (!this.accept(row, forward.logits.subarray(offset, offset + forward.vocab))) survivors.push(i);
    });
    if (survivors.length === 0) return;
    const joined = forward.present.select(survivors);
    this.cache = this.active.length === 0 ? joined : this.cache.concat(joined);
    this.active.push(...survivors.map((i) => group[i]));
  }

  /** One decode forward for every active row. */
  private async step(): Promise<void> {
    const rows = this.active;
    let forward;
    try {
      forward = await this.lm.forward(
        rows.map((row) => [row.next]),
        this.cache,
        'decode',
      );
    } catch (error) {
      rows.forEach((row) => row.reject(error));
      this.active = [];
      this.cache = this.lm.emptyPast(0);
      return;
    }
    const keep: number[] = [];
    rows.forEach((row, i) => {
      row.forwards++;
      const offset = i * forward.vocab;
      if (!this.accept(row, forward.logits.subarray(offset, offset + forward.vocab))) keep.push(i);
    });
    this.cache = forward.present.select(keep);
    this.active = keep.map((i) => rows[i]);
  }

  /**
   * Samples a row's next token from its logits; returns true when the row finished (and has been settled).
   * A failure in one row's callback settles that row alone: the rest of the batch carries on.
   */
  private accept(row: Row, logits: Float32Array): boolean {
    const { request } = row;
    let stopped: boolean;
    try {
      const id = sampleToken(logits, request.sampling, request.rng);
      row.tokens.push(id);
      row.next = id;
      stopped = request.onToken(id);
    } catch (error) {
      row.reject(error);
      return true;
    }
    if (!stopped && row.tokens.length < request.maxNewTokens) return false;
    const now = performance.now();
    row.resolve({
      tokens: row.tokens,
      finish: stopped ? 'stopped' : 'length',
      forwards: row.forwards,
      queueMs: row.admittedAt - row.submittedAt,
      prefillMs: row.firstTokenAt - row.admittedAt,
      decodeMs: now - row.firstTokenAt,
    });
    return true;
  }

  /** Cancelled or expired sequences leave before the next forward: no work is spent on them after that. */
  private dropAborted(): void {
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const row = this.pending[i];
      if (row.request.signal.aborted) {
        this.pending.splice(i, 1);
        row.reject(row.request.signal.reason);
      }
    }
    const keep: number[] = [];
    this.active.forEach((row, i) => {
      if (row.request.signal.aborted) row.reject(row.request.signal.reason);
      else keep.push(i);
    });
    if (keep.length < this.active.length) {
      this.cache = this.cache.select(keep);
      this.active = keep.map((i) => this.active[i]);
    }
  }
}
