// Soak test: starts the three built servers on loopback (bundled tiny models), drives a steady mix of Ensemble.Infill
// and ModelService.Score calls for a bounded time, and reports throughput, latency percentiles, errors and each
// server's RSS over time. Exit 1 on any error, a server that did not stop cleanly, or RSS clearly growing.
//
//   node scripts/soak.mjs [--minutes 5 | --seconds 20] [--concurrency 4] [--json]
//
// Needs `npm run build` first (it runs dist/). --json ends the output with one line: `soak: result {...}`.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setInterval, clearInterval } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { createClient, unaryCall } = require(join(ROOT, 'dist/libs/grpc/src/index.js'));

const SAMPLE_EVERY_MS = 1000;
const PROGRESS_EVERY_SAMPLES = 30;
// "Clearly growing": both a steep slope over the second half and a real increase, so that GC sawtooth in a short
// run does not trip it, while a leak of a few MB per minute over a long run does.
const MAX_SLOPE_MB_PER_MIN = 20;
const MIN_GROWTH_MB = 32;

function parseArgs(argv) {
  const options = { seconds: 300, concurrency: 4, json: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const raw = Number(argv[++i]);
      if (!Number.isFinite(raw) || raw <= 0) throw new Error(`${flag} needs a positive number`);
      return raw;
    };
    if (flag === '--minutes') options.seconds = value() * 60;
    else if (flag === '--seconds') options.seconds = value();
    else if (flag === '--concurrency') options.concurrency = Math.round(value());
    else if (flag === '--json') options.json = true;
    else throw new Error(`unknown option ${flag} (use --minutes N, --seconds N, --concurrency N, --json)`);
  }
  return options;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** One built server as a child process; its log lines are kept (to wait for readiness) but not printed. */
function startServer(app, port, env = {}) {
  // Model servers run with the flags of libs/model-server/src/node-flags.ts, as in production.
  const flags = app === 'orchestrator' ? [] : ['--single-threaded-gc'];
  const child = spawn(process.execPath, [...flags, join(ROOT, 'dist/apps', app, 'src/main.js')], {
    cwd: ROOT,
    env: {
      ...process.env,
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: String(port),
      METRICS_PORT: '0',
      // Loopback only: plaintext is chosen explicitly, as the servers require.
      ALLOW_PLAINTEXT: 'true',
      BACKEND_ALLOW_PLAINTEXT: 'true',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const server = { app, port, child, logs: '', exit: undefined };
  const keep = (chunk) => {
    // Bounded: only the readiness lines matter, and a long soak writes many log lines.
    server.logs = (server.logs + chunk.toString()).slice(-200_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  server.exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve((server.exit = { code, signal }))),
  );
  return server;
}

async function waitFor(what, predicate, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

async function serving(target) {
  const client = createClient('grpc.health.v1.Health', target);
  try {
    const response = await unaryCall(client, 'Check', { service: '' }, { timeoutMs: 1000 });
    return response.status === 1;
  } catch {
    return false;
  } finally {
    client.close();
  }
}

function rssMb(pid) {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** Least-squares slope of y over x. */
function slope(points) {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const PROMPTS = [
  { prefix: 'def add(a, b):\n    ', suffix: '\n\nprint(add(1, 2))\n' },
  { prefix: 'def is_even(n):\n    return ', suffix: '\n' },
  { prefix: 'for i in range(10):\n    ', suffix: '\nprint("done")\n' },
  {
    prefix: 'class Stack:\n    def __init__(self):\n        ',
    suffix: '\n\n    def push(self, x):\n        pass\n',
  },
];

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const [arPort, diffusionPort, orchestratorPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const ar = startServer('ar-server', arPort);
  const diffusion = startServer('diffusion-server', diffusionPort);
  const orchestrator = startServer('orchestrator', orchestratorPort, {
    ENSEMBLE_BACKENDS: `ar=127.0.0.1:${arPort},diffusion=127.0.0.1:${diffusionPort}`,
    HEALTH_CHECK_INTERVAL_MS: '1000',
    // The soak client is one peer running several workers.
    MAX_CONCURRENT_PER_CLIENT: String(Math.max(16, options.concurrency * 2)),
  });
  const servers = [ar, diffusion, orchestrator];
  let stopping = false;
  const stopAll = async () => {
    stopping = true;
    for (const server of servers) if (!server.exit) server.child.kill('SIGTERM');
    await Promise.all(servers.map((server) => server.exited));
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));

  try {
    for (const server of servers) {
      await waitFor(`${server.app} SERVING`, async () => {
        if (server.exit) throw new Error(`${server.app} exited during start-up:\n${server.logs}`);
        return serving(`127.0.0.1:${server.port}`);
      });
    }
    await waitFor('the orchestrator to read both backends', () =>
      ['ar', 'diffusion'].every((name) => orchestrator.logs.includes(`"backend ready","backend":"${name}"`)),
    );
    process.stdout.write(
      `soak: servers ready (ar-server pid ${ar.child.pid}, diffusion-server pid ${diffusion.child.pid}, ` +
        `orchestrator pid ${orchestrator.child.pid}); running ${options.seconds} s at concurrency ${options.concurrency}\n`,
    );

    const ensemble = createClient('ensemble.v1.Ensemble', `127.0.0.1:${orchestratorPort}`);
    const models = [
      createClient('ensemble.v1.ModelService', `127.0.0.1:${arPort}`),
      createClient('ensemble.v1.ModelService', `127.0.0.1:${diffusionPort}`),
    ];
    const latencies = { Infill: [], Score: [] };
    const errors = new Map();
    let calls = 0;
    const startedAt = performance.now();
    const endAt = startedAt + options.seconds * 1000;
    const rss = servers.map(() => []);
    let samplesTaken = 0;
    const sampler = setInterval(() => {
      const t = (performance.now() - startedAt) / 1000;
      servers.forEach((server, i) => {
        if (!server.exit) rss[i].push({ x: t, y: rssMb(server.child.pid) });
      });
      // A progress line every 30 s, so a long run shows how memory moves while it runs.
      if (++samplesTaken % PROGRESS_EVERY_SAMPLES === 0) {
        const now = servers.map((server, i) => `${server.app} ${rss[i][rss[i].length - 1]?.y.toFixed(1)} MB`);
        process.stdout.write(`soak: ${t.toFixed(0)} s: ${calls} calls, rss ${now.join(', ')}\n`);
      }
    }, SAMPLE_EVERY_MS);

    let n = 0;
    const worker = async () => {
      while (performance.now() < endAt && !stopping) {
        const i = n++;
        const input = PROMPTS[i % PROMPTS.length];
        const infill = i % 10 < 7;
        const started = performance.now();
        try {
          if (infill) {
            await unaryCall(
              ensemble,
              'Infill',
              {
                input,
                sampling: { temperature: (i % 3) * 0.4, seed: i, maxNewTokens: 16 },
                diffusion: { steps: 8, lengthPolicy: 1, middleLength: 8 },
              },
              { timeoutMs: 60_000 },
            );
          } else {
            await unaryCall(
              models[i % 2],
              'Score',
              { input, candidates: ['return a + b', `x = ${i}`] },
              { timeoutMs: 60_000 },
            );
          }
          latencies[infill ? 'Infill' : 'Score'].push(performance.now() - started);
        } catch (error) {
          const key = `${infill ? 'Infill' : 'Score'}: ${error.code ?? '?'} ${error.details ?? error.message}`;
          errors.set(key, (errors.get(key) ?? 0) + 1);
        }
        calls++;
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    clearInterval(sampler);
    const elapsed = (performance.now() - startedAt) / 1000;
    ensemble.close();
    models.forEach((client) => client.close());

    const all = [...latencies.Infill, ...latencies.Score].sort((a, b) => a - b);
    const errorCount = [...errors.values()].reduce((sum, count) => sum + count, 0);
    const memory = servers.map((server, i) => {
      const samples = rss[i];
      const secondHalf = samples.filter((point) => point.x >= elapsed / 2);
      const perMinute = slope(secondHalf) * 60;
      const growth = secondHalf.length > 1 ? secondHalf[secondHalf.length - 1].y - secondHalf[0].y : 0;
      return {
        server: server.app,
        startMb: samples[0]?.y,
        endMb: samples[samples.length - 1]?.y,
        maxMb: Math.max(...samples.map((point) => point.y)),
        secondHalfSlopeMbPerMin: perMinute,
        secondHalfGrowthMb: growth,
        growing: perMinute > MAX_SLOPE_MB_PER_MIN && growth > MIN_GROWTH_MB,
        samples: samples.length,
      };
    });
    await stopAll();
    const exits = servers.map((server) => ({ server: server.app, ...server.exit }));
    const cleanStops = exits.every((exit) => exit.code === 0);

    const fmt = (ms) => `${ms.toFixed(0)} ms`;
    process.stdout.write(
      `soak: ${elapsed.toFixed(0)} s: ${calls} calls (Infill ${latencies.Infill.length}, Score ${latencies.Score.length} ok), ` +
        `${(calls / elapsed).toFixed(1)} calls/s, p50 ${fmt(percentile(all, 50))}, p99 ${fmt(percentile(all, 99))} ` +
        `(Infill p50 ${fmt(
          percentile(
            [...latencies.Infill].sort((a, b) => a - b),
            50,
          ),
        )}), errors ${errorCount}\n`,
    );
    for (const [key, count] of errors) process.stdout.write(`soak: error x${count}: ${key}\n`);
    for (const m of memory) {
      process.stdout.write(
        `soak: rss ${m.server}: ${m.startMb?.toFixed(1)} -> ${m.endMb?.toFixed(1)} MB (max ${m.maxMb.toFixed(1)}), ` +
          `second half ${m.secondHalfSlopeMbPerMin >= 0 ? '+' : ''}${m.secondHalfSlopeMbPerMin.toFixed(2)} MB/min, ` +
          `${m.secondHalfGrowthMb >= 0 ? '+' : ''}${m.secondHalfGrowthMb.toFixed(1)} MB` +
          `${m.growing ? '  <-- GROWING' : ''}\n`,
      );
    }
    for (const exit of exits.filter((e) => e.code !== 0)) {
      process.stdout.write(
        `soak: ${exit.server} did not stop cleanly (code ${exit.code}, signal ${exit.signal})\n`,
      );
    }
    const ok = errorCount === 0 && cleanStops && memory.every((m) => !m.growing);
    const result = {
      ok,
      seconds: elapsed,
      concurrency: options.concurrency,
      calls,
      errors: errorCount,
      callsPerSecond: calls / elapsed,
      p50Ms: percentile(all, 50),
      p99Ms: percentile(all, 99),
      memory,
      exits,
    };
    if (options.json) process.stdout.write(`soak: result ${JSON.stringify(result)}\n`);
    process.stdout.write(`soak: ${ok ? 'PASS' : 'FAIL'}\n`);
    process.exitCode = ok ? 0 : 1;
  } catch (error) {
    process.stderr.write(`soak: ${error.message}\n`);
    await stopAll();
    process.exitCode = 1;
  }
}

main();
