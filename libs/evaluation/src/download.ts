import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Sha256MismatchError } from './sha256';

export interface DownloadOptions {
  /** Tried in order until one serves the expected bytes. */
  urls: readonly string[];
  destination: string;
  sha256: string;
  /** Where `sha256` comes from, for the mismatch message. */
  sha256From?: string;
  /** Per URL, for the whole transfer. */
  timeoutMs: number;
  fetch?: typeof fetch;
}

/** Every URL failed; `failures` says why, URL by URL. */
export class DownloadError extends Error {
  override name = 'DownloadError';

  constructor(
    readonly destination: string,
    readonly failures: readonly { url: string; reason: string }[],
  ) {
    super(
      failures.length === 0
        ? `no download location for ${destination}`
        : `download of ${basename(destination)} failed: ${failures.map((f) => `${f.url}: ${f.reason}`).join('; ')}`,
    );
  }
}

/**
 * Downloads a file with sha256 verification, atomically: the bytes go to a temporary file beside the destination
 * (unique per call, so concurrent downloads do not collide), which is renamed into place only once its hash is
 * right; on any failure it is removed and the next URL is tried. Never leaves a partial or wrong file behind.
 */
export async function downloadVerified(options: DownloadOptions): Promise<void> {
  const { urls, destination, sha256, timeoutMs } = options;
  const fetchImpl = options.fetch ?? fetch;
  await mkdir(dirname(destination), { recursive: true });
  const failures: { url: string; reason: string }[] = [];
  for (const url of urls) {
    const temp = join(
      dirname(destination),
      `.${basename(destination)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
    );
    try {
      const response = await fetchImpl(url, { redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
      if (!response.ok || response.body === null) {
        throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
      }
      const hash = createHash('sha256');
      const tap = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          done(null, chunk);
        },
      });
      await pipeline(
        Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>),
        tap,
        createWriteStream(temp, { flags: 'wx' }),
      );
      const actual = hash.digest('hex');
      if (actual !== sha256)
        throw new Sha256MismatchError(url, sha256, actual, options.sha256From ?? 'published hash');
      await rename(temp, destination);
      return;
    } catch (error) {
      await rm(temp, { force: true });
      failures.push({ url, reason: describe(error) });
    }
  }
  throw new DownloadError(destination, failures);
}

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  cause?: unknown;
}

/** Duck-typed: fetch's errors come from Node's own realm, where `instanceof Error` of a sandbox (jest) fails. */
function asErrorLike(value: unknown): ErrorLike | undefined {
  return typeof value === 'object' && value !== null && 'message' in value ? (value as ErrorLike) : undefined;
}

function describe(error: unknown): string {
  const e = asErrorLike(error);
  if (!e) return String(error);
  if (e.name === 'TimeoutError') return `timed out (${String(e.message)})`;
  // fetch() reports network problems as "fetch failed" with the real reason (ECONNREFUSED, ENOTFOUND...) as cause.
  const cause = asErrorLike(e.cause);
  if (cause)
    return `${String(e.message)}: ${cause.code ? `${String(cause.code)} ` : ''}${String(cause.message)}`;
  return String(e.message);
}
