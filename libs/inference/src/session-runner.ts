import * as ort from 'onnxruntime-node';

/**
 * Serialises forwards on one session: onnxruntime already spreads a forward over every intra-op thread, so two
 * concurrent runs only fight for the cores. Callers queue in FIFO order, which interleaves decode steps of a batch
 * with scoring requests instead of starving either. Counts forwards for metrics and tests.
 */
export class SessionRunner {
  private tail: Promise<unknown> = Promise.resolve();
  private count = 0;

  constructor(
    readonly session: ort.InferenceSession,
    private readonly onForward?: (kind: string, seconds: number) => void,
  ) {}

  get forwards(): number {
    return this.count;
  }

  run(feeds: Record<string, ort.Tensor>, kind: string): Promise<ort.InferenceSession.OnnxValueMapType> {
    const result = this.tail.then(async () => {
      const startedAt = performance.now();
      try {
        return await this.session.run(feeds);
      } finally {
        this.count++;
        this.onForward?.(kind, (performance.now() - startedAt) / 1000);
      }
    });
    this.tail = result.catch(() => undefined);
    return result;
  }
}
