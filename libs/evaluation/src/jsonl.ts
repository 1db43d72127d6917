import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { DatasetFormatError } from './benchmark-task';
import { Sha256MismatchError, sha256File } from './sha256';

/** Parses one line of a JSON Lines file (blank lines skipped); a parse error names the file and line. */
export function handleJsonLine(
  file: string,
  lineNumber: number,
  line: string,
  onRecord: (record: unknown, line: number) => void,
): void {
  if (line.trim() === '') return;
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch (error) {
    throw new DatasetFormatError(`${file}:${lineNumber}: invalid JSON (${(error as Error).message})`);
  }
  onRecord(record, lineNumber);
}

export interface ExpectedSha256 {
  sha256: string;
  /** Where the expected hash comes from, for the error message (e.g. the SHA256SUMS file). */
  from: string;
}

/**
 * Streams a gzip-compressed JSON Lines file: reads, decompresses (node:zlib) and parses it in one pass, handing each
 * record to `onRecord` with its 1-based line number; blank lines are skipped. When `expected` is given, the
 * compressed bytes are hashed on the way and a mismatch is a {@link Sha256MismatchError}, also when the damage made
 * the file unreadable (then the mismatch, the real cause, is what is reported).
 */
export async function readJsonLinesGz(
  file: string,
  onRecord: (record: unknown, line: number) => void,
  expected?: ExpectedSha256,
): Promise<void> {
  const hash = createHash('sha256');
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  let lineNumber = 0;
  const handle = (line: string) => handleJsonLine(file, ++lineNumber, line, onRecord);
  try {
    await pipeline(createReadStream(file), tap, createGunzip(), async (source: AsyncIterable<Buffer>) => {
      const decoder = new StringDecoder('utf8');
      let pending = '';
      for await (const chunk of source) {
        const parts = (pending + decoder.write(chunk)).split('\n');
        pending = parts.pop() ?? '';
        for (const part of parts) handle(part);
      }
      pending += decoder.end();
      if (pending !== '') handle(pending);
    });
  } catch (error) {
    if (expected) {
      const actual = await sha256File(file).catch(() => undefined);
      if (actual !== undefined && actual !== expected.sha256) {
        throw new Sha256MismatchError(file, expected.sha256, actual, expected.from);
      }
    }
    if (error instanceof DatasetFormatError) throw error;
    throw new DatasetFormatError(`${file}: cannot read gzip JSON Lines: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (expected) {
    const actual = hash.digest('hex');
    if (actual !== expected.sha256)
      throw new Sha256MismatchError(file, expected.sha256, actual, expected.from);
  }
}
