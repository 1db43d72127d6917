import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { ConfigError } from '@ensemble/config';
import { defaultCacheDir, defaultDataDir, resolveDataLocations } from './data-locations';
import { DATASET_SOURCES, SANTACODER_FIM_PARQUET } from './dataset-sources';
import { DownloadError, downloadVerified } from './download';
import { DatasetUnavailableError, loadDataset } from './load-dataset';
import { sha256File } from './sha256';
import { isolatedEnv, sharedDataDir, withTempDir } from './testing/shared-data';

/**
 * A local stand-in for the official locations: /good/<path> serves the shared data file, /bad/<path> the same
 * bytes with one byte changed, anything else 404.
 */
function startMirror(dataDir: string): Promise<{ server: Server; base: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    const url = request.url ?? '/';
    requests.push(url);
    const [, kind, ...rest] = url.split('/');
    const file = join(dataDir, ...rest.map(decodeURIComponent));
    if ((kind !== 'good' && kind !== 'bad') || rest.includes('..') || !existsSync(file)) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/octet-stream' });
    if (kind === 'good') {
      createReadStream(file).pipe(response);
    } else {
      const bytes = readFileSync(file);
      bytes[0] ^= 0x01;
      response.end(bytes);
    }
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, base: `http://127.0.0.1:${port}`, requests });
    });
  });
}

/** A port nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

describe('downloading missing datasets into the cache', () => {
  let dataDir: string;
  let mirror: Awaited<ReturnType<typeof startMirror>>;
  const light = DATASET_SOURCES['humaneval-random-span-light'].download;

  beforeAll(async () => {
    dataDir = sharedDataDir();
    mirror = await startMirror(dataDir);
  });
  afterAll(() => new Promise<void>((resolve) => mirror.server.close(() => resolve())));
  beforeEach(() => {
    mirror.requests.length = 0;
  });

  it('downloads a verified file atomically into the cache, then reuses it', async () => {
    await withTempDir(async (tmp) => {
      const env = isolatedEnv(join(tmp, 'empty-data'), join(tmp, 'cache'), `${mirror.base}/good/`);
      const first = await loadDataset('humaneval-random-span-light', { env });
      expect(first.origin).toBe('download');
      expect(first.tasks).toHaveLength(164);
      expect(first.file).toBe(join(tmp, 'cache', light.path));
      expect(mirror.requests).toEqual([`/good/${light.path}`]);
      expect(await filesUnder(join(tmp, 'cache'))).toEqual([first.file]);
      expect(await sha256File(first.file)).toBe(light.sha256);

      const second = await loadDataset('humaneval-random-span-light', { env });
      expect(second.origin).toBe('cache');
      expect(second.tasks).toEqual(first.tasks);
      expect(mirror.requests).toHaveLength(1);
    });
  });

  it('replaces a damaged cache file', async () => {
    await withTempDir(async (tmp) => {
      const cached = join(tmp, 'cache', light.path);
      await mkdir(dirname(cached), { recursive: true });
      await writeFile(cached, 'damaged');
      const env = isolatedEnv(join(tmp, 'empty-data'), join(tmp, 'cache'), `${mirror.base}/good`);
      const loaded = await loadDataset('humaneval-random-span-light', { env });
      expect(loaded.origin).toBe('download');
      expect(await sha256File(cached)).toBe(light.sha256);
    });
  });

  it('downloads the SantaCoder parquet and reads its Python rows', async () => {
    await withTempDir(async (tmp) => {
      const env = isolatedEnv(join(tmp, 'empty-data'), join(tmp, 'cache'), `${mirror.base}/good`);
      const loaded = await loadDataset('santacoder-fim-py', { env });
      expect(mirror.requests).toEqual([`/good/${SANTACODER_FIM_PARQUET.path}`]);
      expect(loaded.origin).toBe('download');
      expect(loaded.file.endsWith('.parquet')).toBe(true);
      expect(loaded.tasks).toHaveLength(1043);
      expect(loaded.tasks[0].id).toBe('0/humaneval-HumanEval_75_is_multiply_prime.json-L24');
    });
  });

  it('rejects a download with the wrong hash and leaves nothing in the cache', async () => {
    await withTempDir(async (tmp) => {
      const env = isolatedEnv(join(tmp, 'empty-data'), join(tmp, 'cache'), `${mirror.base}/bad`);
      const load = loadDataset('humaneval-random-span-light', { env });
      await expect(load).rejects.toThrow(DatasetUnavailableError);
      await expect(load).rejects.toThrow(
        new RegExp(
          `${mirror.base}/bad/${light.path} \\(sha256 mismatch for ${mirror.base}/bad/${light.path}: ` +
            `expected ${light.sha256} \\(published hash of ${light.path}\\), got [0-9a-f]{64}\\)`,
        ),
      );
      expect(await filesUnder(join(tmp, 'cache'))).toEqual([]);
    });
  });

  it('tries the next location after a failing one', async () => {
    await withTempDir(async (tmp) => {
      const destination = join(tmp, 'cache', 'file.gz');
      await downloadVerified({
        urls: [
          `${mirror.base}/missing/${light.path}`,
          `${mirror.base}/bad/${light.path}`,
          `${mirror.base}/good/${light.path}`,
        ],
        destination,
        sha256: light.sha256,
        timeoutMs: 10_000,
      });
      expect(await sha256File(destination)).toBe(light.sha256);
      expect(await filesUnder(join(tmp, 'cache'))).toEqual([destination]);

      const failing = downloadVerified({
        urls: [`${mirror.base}/missing/x`],
        destination: join(tmp, 'cache', 'other'),
        sha256: light.sha256,
        timeoutMs: 10_000,
      });
      await expect(failing).rejects.toThrow(DownloadError);
      await expect(failing).rejects.toThrow(`${mirror.base}/missing/x: HTTP 404 Not Found`);
    });
  });

  it('says what was looked for where, what download was tried and how to fix it, when neither works', async () => {
    const port = await closedPort();
    await withTempDir(async (tmp) => {
      const env = isolatedEnv(join(tmp, 'no-such-dir'), join(tmp, 'cache'), `http://127.0.0.1:${port}`);
      const load = loadDataset('humaneval-single-line', { env });
      await expect(load).rejects.toThrow(DatasetUnavailableError);
      const message = await load.catch((error: Error) => error.message);
      const path = 'human-eval-infilling/HumanEval-SingleLineInfilling.jsonl.gz';
      expect(message).toContain(
        `dataset humaneval-single-line is not available: looked for ${path} in the data directory ` +
          `${join(tmp, 'no-such-dir')} (from ENSEMBLE_DATA_DIR): the directory does not exist; ` +
          `looked for ${join(tmp, 'cache', path)} in the cache: not there; ` +
          `download from ENSEMBLE_DATASET_MIRROR failed: http://127.0.0.1:${port}/${path} (fetch failed: ECONNREFUSED`,
      );
      expect(message).toContain(`Fix: set ENSEMBLE_DATA_DIR to a directory holding ${path}`);
      expect(message).toContain(
        `or make the mirror serve ${path} (unset ENSEMBLE_DATASET_MIRROR to use the official locations ` +
          `https://raw.githubusercontent.com/openai/human-eval-infilling/`,
      );
    });
  });

  it('without a mirror, tries the official locations (here a fetch that has no network)', async () => {
    const attempted: string[] = [];
    const offline = (async (url: string | URL | Request) => {
      attempted.push(String(url));
      const cause = Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
      throw new TypeError('fetch failed', { cause });
    }) as typeof fetch;
    await withTempDir(async (tmp) => {
      const env = { ENSEMBLE_DATA_DIR: join(tmp, 'data'), ENSEMBLE_CACHE_DIR: join(tmp, 'cache') };
      await mkdir(join(tmp, 'data'));
      const load = loadDataset('santacoder-fim-py', { env, fetch: offline });
      await expect(load).rejects.toThrow(DatasetUnavailableError);
      const message = await load.catch((error: Error) => error.message);
      expect(attempted).toEqual(SANTACODER_FIM_PARQUET.urls);
      expect(message).toContain(
        'looked for santacoder-fim/santacoder-fim-task-py.jsonl.gz or ' +
          'santacoder-fim/train-00000-of-00001-b6ec1fdd66018baa.parquet in the data directory',
      );
      expect(message).toContain(': not there;');
      for (const url of SANTACODER_FIM_PARQUET.urls) {
        expect(message).toContain(`${url} (fetch failed: ENOTFOUND getaddrinfo ENOTFOUND)`);
      }
      expect(message).toContain('or allow network access to huggingface.co, raw.githubusercontent.com');
    });
  });
});

describe('resolveDataLocations', () => {
  it('reads ENSEMBLE_DATA_DIR, ENSEMBLE_CACHE_DIR, ENSEMBLE_DATASET_MIRROR and ENSEMBLE_DOWNLOAD_TIMEOUT_MS', () => {
    expect(
      resolveDataLocations(
        {},
        {
          ENSEMBLE_DATA_DIR: '/d',
          ENSEMBLE_CACHE_DIR: '/c',
          ENSEMBLE_DATASET_MIRROR: 'https://mirror.example/datasets/',
          ENSEMBLE_DOWNLOAD_TIMEOUT_MS: '5000',
        },
      ),
    ).toEqual({
      dataDir: '/d',
      dataDirFrom: 'ENSEMBLE_DATA_DIR',
      cacheDir: '/c',
      mirror: 'https://mirror.example/datasets',
      downloadTimeoutMs: 5000,
    });
  });

  it('defaults to <repo>/../shared/data and ~/.cache/ensemble-infill; options win over the environment', () => {
    const defaults = resolveDataLocations({}, {});
    expect(defaults).toEqual({
      dataDir: defaultDataDir(),
      dataDirFrom: 'default',
      cacheDir: defaultCacheDir(),
      mirror: undefined,
      downloadTimeoutMs: 300_000,
    });
    expect(defaultDataDir()).toBe(join(__dirname, '..', '..', '..', '..', 'shared', 'data'));
    expect(defaultCacheDir()).toMatch(/\.cache\/ensemble-infill$/);
    expect(resolveDataLocations({ dataDir: '/o' }, { ENSEMBLE_DATA_DIR: '/d' })).toMatchObject({
      dataDir: '/o',
      dataDirFrom: 'option',
    });
  });

  it('rejects a mirror that is not an http(s) URL', () => {
    expect(() => resolveDataLocations({}, { ENSEMBLE_DATASET_MIRROR: 'ftp://x' })).toThrow(ConfigError);
    expect(() => resolveDataLocations({}, { ENSEMBLE_DATASET_MIRROR: 'ftp://x' })).toThrow(
      'ENSEMBLE_DATASET_MIRROR: expected an http:// or https:// base URL (got "ftp://x")',
    );
  });
});
