import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { benchEnsemble } from './ensemble-bench';
import { FloorProcess, runFloor } from './floor';
import type { FloorJob } from './floor-worker';
import { ensurePerfModels, ensureVenv, PerfModels, repoRoot } from './model-cache';
import { machineInfo, weightsBytes } from './proc';
import { measureBandwidth, runHfAnchor, writeAnchorWorkload } from './python-tools';
import { analyse, markdownTable, PerfRaw } from './report';
import { profilesMarkdown, summariseProfiles } from './profiles';
import { benchArServer, benchDiffusionServer, ModelApp, PerfServer } from './server-bench';
import { buildWorkload, FULL_SHAPE, QUICK_SHAPE } from './workload';

export const PERF_PHASES = ['ar', 'diffusion', 'ensemble', 'anchor', 'layout'] as const;
export type PerfPhase = (typeof PERF_PHASES)[number];

export interface PerfOptions {
  quick: boolean;
  /** Model config for tools/export random-checkpoint; default by mode. */
  config?: string;
  seed: number;
  cacheDir?: string;
  resultsDir: string;
  runId: string;
  phases: PerfPhase[];
  /** Node CPU profiles of the servers and onnxruntime profiles of the floor into <run>/profiles (diagnosis). */
  profile: boolean;
  /** Wait up to this many seconds for the 1-minute load average to fall below 1 before measuring. */
  waitIdleS: number;
  log: (line: string) => void;
}

export interface PerfRun {
  dir: string;
  json: string;
  table: string;
  /** Steps that failed (their numbers are missing; the command exits 1). */
  failed: number;
}

function defaultConfig(quick: boolean): string {
  const root = repoRoot();
  return quick
    ? join(root, 'tools', 'perf', 'configs', 'quick.json')
    : join(root, 'tools', 'export', 'configs', 'qwen2.5-0.5b.json');
}

function onnxruntimeVersion(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('onnxruntime-node/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function lscpu(): string {
  try {
    return execFileSync('lscpu', { encoding: 'utf8', timeout: 5000 });
  } catch {
    return '';
  }
}

async function waitForIdle(seconds: number, log: (line: string) => void): Promise<void> {
  const until = Date.now() + seconds * 1000;
  while (loadavg()[0] >= 1 && Date.now() < until) {
    log(`bench: load average ${loadavg()[0].toFixed(2)} (1 min); waiting for the machine to go idle`);
    await new Promise((r) => setTimeout(r, 15_000));
  }
}

/**
 * `bench perf`: the servers on a random-weight model against the floor (a minimal onnxruntime loop) and against
 * transformers, in one run on this machine. Phases run one after the other so no two measured systems compete for
 * the cores (the ensemble phase excepted: there both model servers run, as in production).
 */
export async function runPerf(options: PerfOptions): Promise<PerfRun> {
  const { log } = options;
  const startedAt = new Date();
  const dir = resolve(options.resultsDir, options.runId);
  const logs = join(dir, 'logs');
  mkdirSync(logs, { recursive: true });
  const has = (phase: PerfPhase) => options.phases.includes(phase);
  const quick = options.quick;

  // The ensemble phase calls each model server directly between Infill calls, so the orchestrator has no call in
  // flight there while its health checks go unanswered (onnxruntime-node runs a forward on the server's event loop,
  // seconds at 0.5B on CPU): three in a row would mark the backend down. Check rarely during a benchmark.
  process.env.HEALTH_CHECK_INTERVAL_MS ??= '30000';
  const python = await ensureVenv(log);
  const models: PerfModels = await ensurePerfModels({
    config: options.config ?? defaultConfig(quick),
    seed: options.seed,
    cacheDir: options.cacheDir,
    singleFile: has('layout') && !quick,
    log,
  }).catch(async (error: unknown) => {
    if (!has('layout') || quick) throw error;
    log(
      `bench: the single-file layout could not be built (${(error as Error).message}); measuring without it`,
    );
    return ensurePerfModels({
      config: options.config ?? defaultConfig(quick),
      seed: options.seed,
      cacheDir: options.cacheDir,
      singleFile: false,
      log,
    });
  });
  const shape = quick ? QUICK_SHAPE : FULL_SHAPE;
  const workload = buildWorkload(models.ar, models.diffusion, shape);
  writeFileSync(join(dir, 'workload.json'), JSON.stringify(workload, null, 2) + '\n');
  const anchorWorkload = join(dir, 'anchor-workload.json');
  writeAnchorWorkload(anchorWorkload, workload, cpus().length);
  log(
    `bench: workload: AR prompt ${workload.ar.promptIds.length} tokens, ${workload.ar.newTokens} new tokens, ` +
      `${workload.ar.concurrent.length} concurrent; diffusion canvas ` +
      `${workload.diffusion.prefixIds.length + workload.diffusion.middleLength + workload.diffusion.suffixIds.length} ` +
      `tokens, ${workload.diffusion.middleLength} masked, ${workload.diffusion.steps} steps`,
  );
  if (options.waitIdleS > 0) await waitForIdle(options.waitIdleS, log);
  const loadAtStart = loadavg();
  if (loadAtStart[0] >= 1) {
    log(
      `bench: NOTE: load average ${loadAtStart.map((x) => x.toFixed(2)).join(' ')} — other work is running`,
    );
  }

  const raw: PerfRaw = {
    bandwidth: [],
    weightsBytes: {
      ar: weightsBytes(models.ar),
      diffusion: weightsBytes(models.diffusion),
      arSingleFile: models.arSingleFile ? weightsBytes(models.arSingleFile) : undefined,
    },
    counts: {
      concurrency: shape.concurrency,
      arScoreCandidates: workload.ar.scoreCandidates.length,
      diffusionScoreCandidates: workload.diffusion.scoreCandidates.length,
      diffusionMiddle: workload.diffusion.middleLength,
    },
  };
  const bandwidthGb = quick ? 0.25 : 1;
  const bandwidth = async (label: string) => {
    const result = await measureBandwidth(python, bandwidthGb);
    log(`bench: memory bandwidth ${result.gb_per_s.toFixed(1)} GB/s (${label})`);
    raw.bandwidth.push({ label, result });
  };

  const profileDir = options.profile ? join(dir, 'profiles') : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const floor = (name: string, job: Omit<FloorJob, 'workload' | 'profileDir'>) =>
    runFloor({ ...job, workload, profileDir }, join(dir, `floor-${name}.json`), log);
  const server = async <T>(
    app: ModelApp,
    modelDir: string,
    name: string,
    measure: (server: PerfServer) => Promise<T>,
    env: Record<string, string> = {},
  ): Promise<T> => {
    const started = await PerfServer.start(app, modelDir, join(logs, `${name}.log`), {
      env,
      profile: profileDir ? { dir: profileDir, name } : undefined,
    });
    try {
      return await measure(started);
    } finally {
      await started.stop();
    }
  };

  // A failed step is recorded and the run goes on (the other numbers of a 25-minute run stay useful);
  // the command still fails at the end.
  const errors: Array<{ step: string; message: string }> = [];
  const step = async (name: string, work: () => Promise<void>) => {
    log(`bench: --- ${name}`);
    try {
      await work();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log(`bench: FAILED: ${name}: ${message}`);
      errors.push({ step: name, message });
    }
  };

  if (has('ar')) {
    await step(
      'autoregressive: floor (onnxruntime loop) and ar-server (gRPC), repetitions alternating',
      async () => {
        const floorAr = await FloorProcess.start(
          { kind: 'autoregressive', modelDir: models.ar, workload, profileDir },
          join(dir, 'floor-ar.json'),
          log,
        );
        try {
          await floorAr.call('warm');
          raw.serverAr = await server('ar-server', models.ar, 'ar-server', (s) =>
            benchArServer(s, workload, {
              sampled: !quick,
              log,
              interleave: {
                ttft: () => floorAr.call('ttft'),
                generate: () => floorAr.call('generate'),
                beforeDecode: () => bandwidth('before ar decoding'),
                afterDecode: () => bandwidth('after ar decoding'),
              },
            }),
          );
          log('  floor: batched decode forwards and fim scoring');
          await floorAr.call('rest');
          raw.floorAr = await floorAr.finish();
        } finally {
          floorAr.kill();
        }
      },
    );
    if (has('anchor')) {
      await step('autoregressive: transformers', async () => {
        raw.hfAr = await runHfAnchor(python, models.checkpoint, anchorWorkload, 'ar', log);
      });
    }
  }
  const single = models.arSingleFile;
  if (has('layout') && single) {
    await step('weight layout: AR weights inside model.onnx (single file)', async () => {
      raw.floorArSingleFile = await floor('ar-single-file', {
        kind: 'autoregressive',
        modelDir: single,
        decodeOnly: true,
      });
      raw.serverArSingleFile = await server('ar-server', single, 'ar-server-single-file', (s) =>
        benchArServer(s, workload, { decodeOnly: true, log }),
      );
    });
  }
  if (has('layout')) {
    await step('weight layout: external data without prepacking (ORT_PREPACK_WEIGHTS=false)', async () => {
      raw.floorArNoPrepack = await floor('ar-no-prepack', {
        kind: 'autoregressive',
        modelDir: models.ar,
        decodeOnly: true,
        prepackWeights: false,
      });
      raw.serverArNoPrepack = await server(
        'ar-server',
        models.ar,
        'ar-server-no-prepack',
        (s) => benchArServer(s, workload, { decodeOnly: true, log }),
        { ORT_PREPACK_WEIGHTS: 'false' },
      );
    });
  }
  if (has('diffusion')) {
    await step('diffusion: floor (onnxruntime loop in one process)', async () => {
      raw.floorDiffusion = await floor('diffusion', { kind: 'diffusion', modelDir: models.diffusion });
    });
    await step('diffusion: diffusion-server over gRPC', async () => {
      raw.serverDiffusion = await server('diffusion-server', models.diffusion, 'diffusion-server', (s) =>
        benchDiffusionServer(s, workload, log),
      );
    });
    if (has('anchor')) {
      await step('diffusion: transformers + the reference denoising loop', async () => {
        raw.hfDiffusion = await runHfAnchor(python, models.checkpoint, anchorWorkload, 'diffusion', log);
      });
    }
  }
  if (has('ensemble')) {
    await step('ensemble: orchestrator + both model servers (LocalStack)', async () => {
      raw.ensemble = await benchEnsemble(models, workload, join(logs, 'ensemble-stack.log'), log);
    });
  }
  await bandwidth('end');

  const { measurements, targets } = analyse(raw);
  const profiles = profileDir ? summariseProfiles(profileDir) : [];
  const table =
    markdownTable(measurements, targets) +
    (profiles.length
      ? `\n## Profiles (--profile: timings above are perturbed)\n\n${profilesMarkdown(profiles)}`
      : '');
  const finishedAt = new Date();
  const report = {
    format: 'ensemble-perf',
    formatVersion: 1,
    runId: options.runId,
    quick,
    phases: options.phases,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationS: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    machine: {
      ...machineInfo(),
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: loadavg(),
      lscpu: lscpu(),
    },
    stacks: {
      onnxruntimeNode: onnxruntimeVersion(),
      transformers: raw.hfAr?.stack ?? raw.hfDiffusion?.stack ?? null,
    },
    models: {
      key: models.key,
      cacheDir: models.dir,
      config: models.config,
      seed: options.seed,
      exporterVersion: models.exporterVersion,
      ar: models.ar,
      diffusion: models.diffusion,
      arSingleFile: models.arSingleFile ?? null,
      weightsBytes: raw.weightsBytes,
    },
    workload: {
      shape,
      arPromptTokens: workload.ar.promptIds.length,
      diffusionCanvasTokens:
        workload.diffusion.prefixIds.length +
        workload.diffusion.middleLength +
        workload.diffusion.suffixIds.length,
    },
    errors,
    measurements,
    targets,
    profiles,
    raw,
  };
  const json = join(dir, 'perf.json');
  writeFileSync(json, JSON.stringify(report, null, 2) + '\n');
  const header =
    `# bench perf ${options.runId}${quick ? ' (quick: small random model — not the 0.5B numbers)' : ''}\n\n` +
    `${report.machine.cpus} x ${report.machine.cpuModel}, ${(report.machine.memTotalBytes / 2 ** 30).toFixed(1)} GiB; ` +
    `load average at start ${loadAtStart.map((x) => x.toFixed(2)).join(' ')}; model ${models.key}; ` +
    `${report.durationS.toFixed(0)} s\n\n`;
  const failures = errors.length
    ? `\n**${errors.length} step(s) failed:**\n\n${errors.map((e) => `- ${e.step}: ${e.message}`).join('\n')}\n`
    : '';
  writeFileSync(join(dir, 'perf.md'), header + table + failures);
  return { dir, json, table: header + table + failures, failed: errors.length };
}
