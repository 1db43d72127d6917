import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { handleJsonLine, readJsonLinesGz } from '../jsonl';

/** Whether the file starts with the gzip magic bytes (so `.jsonl` files that are really gzipped also read). */
async function isGzip(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** Streams a JSON Lines file, plain or gzip-compressed, handing each record with its 1-based line number. */
export async function readJsonLines(
  file: string,
  onRecord: (record: unknown, line: number) => void,
): Promise<void> {
  if (await isGzip(file)) return readJsonLinesGz(file, onRecord);
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let lineNumber = 0;
  for await (const line of lines) handleJsonLine(file, ++lineNumber, line, onRecord);
}
