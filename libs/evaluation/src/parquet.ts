import { Worker } from 'node:worker_threads';

/**
 * Reads a parquet file into plain row objects with hyparquet (pure JavaScript; plain, dictionary and RLE encodings,
 * snappy built in).
 *
 * hyparquet is published as an ES module only, while this project is CommonJS. Node loads it from CommonJS, but a
 * host module system may not (jest's cannot without its experimental ESM mode), so it is loaded and run in a worker
 * thread, which always has Node's own loader. This also keeps the decoding off the caller's event loop. Only strings,
 * numbers, booleans and null/undefined columns are expected back (structured clone).
 */
export async function readParquetObjects(
  file: string,
  columns: readonly string[],
): Promise<Record<string, unknown>[]> {
  const module = require.resolve('hyparquet');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { module, file, columns: [...columns] },
  });
  try {
    const reply = await new Promise<WorkerReply>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`parquet reader worker exited with code ${code}`)));
    });
    if (!reply.ok) throw new Error(`cannot read parquet file ${file}: ${reply.message}`);
    return reply.rows;
  } finally {
    await worker.terminate();
  }
}

type WorkerReply = { ok: true; rows: Record<string, unknown>[] } | { ok: false; message: string };

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');
(async () => {
  const hyparquet = await import(pathToFileURL(workerData.module).href);
  const file = await hyparquet.asyncBufferFromFile(workerData.file);
  const rows = await hyparquet.parquetReadObjects({ file, columns: workerData.columns });
  parentPort.postMessage({ ok: true, rows });
})().catch((error) => {
  parentPort.postMessage({ ok: false, message: String((error && error.message) || error) });
});
`;
