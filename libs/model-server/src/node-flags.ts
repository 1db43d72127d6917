/**
 * Node.js flags every model server is started with (package.json, the image, the manifests, the local stack, the
 * tests). `--single-threaded-gc`: each decode step returns its logits and KV cache as fresh ArrayBuffers
 * (onnxruntime-node copies outputs), so V8 starts a major GC every few steps; with V8's default helper threads that
 * marking competes with onnxruntime's intra-op threads for the same cores, and measured on 2 cores it cost ~16% of
 * decode speed (`bench perf`, docs/perf.md). On one thread it runs between forwards instead. V8 refuses the flag
 * after start-up and in NODE_OPTIONS, so it has to be on the command line.
 */
export const MODEL_SERVER_NODE_FLAGS: readonly string[] = ['--single-threaded-gc'];

/** The flags of MODEL_SERVER_NODE_FLAGS this process was started without (logged as a warning at start-up). */
export function missingNodeFlags(execArgv: readonly string[] = process.execArgv): string[] {
  return MODEL_SERVER_NODE_FLAGS.filter((flag) => !execArgv.includes(flag));
}
