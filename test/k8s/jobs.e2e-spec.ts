import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IService } from 'kubernetes-models/v1/Service';
import {
  configMaps,
  effectiveEnv,
  K8S,
  named,
  ofKind,
  podTemplates,
  REPO,
  render,
  requireKubectl,
  selects,
} from './support/render';

// The benchmark Jobs: an Indexed Job, one shard per pod, then a merge Job; and the dataset Job that fills the
// datasets volume.

beforeAll(() => {
  requireKubectl();
});

const shardsJob = () => named<IJob>(render('jobs/benchmark'), 'Job', 'bench-shards');
const mergeJob = () => named<IJob>(render('jobs/benchmark-merge'), 'Job', 'bench-merge');
const container = (job: IJob): IContainer => job.spec!.template.spec!.containers[0];
const runConfig = () => configMaps(render('jobs/benchmark')).get('bench-run')!;

/** `node dist/apps/bench/src/main.js <command> ...` lines of a script, joined across `\` continuations. */
function benchCalls(c: IContainer): { command: string; words: string[] }[] {
  const script = [...(c.command ?? []), ...(c.args ?? [])].join(' ').replace(/\\\n\s*/g, ' ');
  const calls: { command: string; words: string[] }[] = [];
  for (const match of script.matchAll(/node dist\/apps\/bench\/src\/main\.js ([^\n]*)/g)) {
    const words = match[1].trim().split(/\s+/);
    calls.push({ command: words[0], words: words.slice(1) });
  }
  return calls;
}

function flagValue(words: string[], flag: string): string | undefined {
  const i = words.indexOf(flag);
  return i === -1 ? undefined : words[i + 1];
}

describe('the sharded benchmark Job', () => {
  it('is an Indexed Job with one pod per shard, all SHARD_COUNT of them at once', () => {
    const spec = shardsJob().spec!;
    expect(spec.completionMode).toBe('Indexed');
    expect(spec.completions).toBeGreaterThan(1);
    expect(spec.template.spec!.restartPolicy).toBe('Never');
    // completions and parallelism follow SHARD_COUNT (a kustomize replacement), so they cannot disagree.
    expect(typeof spec.completions).toBe('number');
    expect(String(spec.completions)).toBe(runConfig().SHARD_COUNT);
    expect(spec.parallelism).toBe(spec.completions);
  });

  it('passes JOB_COMPLETION_INDEX as --shard-index and SHARD_COUNT as --shard-count to bench run', () => {
    const c = container(shardsJob());
    const index = c.env?.find((e) => e.name === 'JOB_COMPLETION_INDEX');
    expect(index?.valueFrom?.fieldRef?.fieldPath).toBe(
      "metadata.annotations['batch.kubernetes.io/job-completion-index']",
    );
    const run = benchCalls(c).find((call) => call.command === 'run');
    expect(run).toBeDefined();
    expect(flagValue(run!.words, '--shard-index')).toBe('"${JOB_COMPLETION_INDEX}"');
    expect(flagValue(run!.words, '--shard-count')).toBe('"${SHARD_COUNT}"');
    expect(flagValue(run!.words, '--run-id')).toBe('"${shard}"');
    expect(c.args!.join('\n')).toContain('shard="${RUN_ID}-shard-${JOB_COMPLETION_INDEX}"');
    expect(run!.words).toContain('--unsafe-no-sandbox');
    // Runs through a shell, which does the expansion.
    expect(c.command!.slice(-2)).toEqual(['sh', '-c']);
  });

  it('writes to the shared results volume and reads the datasets read-only', () => {
    const job = shardsJob();
    const c = container(job);
    const run = benchCalls(c).find((call) => call.command === 'run')!;
    const resultsDir = flagValue(run.words, '--results-dir')!;
    const mount = c.volumeMounts!.find((m) => m.mountPath === resultsDir);
    expect(mount?.readOnly ?? false).toBe(false);
    const volume = job.spec!.template.spec!.volumes!.find((v) => v.name === mount!.name);
    expect(volume?.persistentVolumeClaim?.claimName).toBe('ensemble-results');
    const env = effectiveEnv(c, configMaps(render('jobs/benchmark')));
    const data = c.volumeMounts!.find((m) => m.mountPath === env.get('ENSEMBLE_DATA_DIR'));
    expect(data?.readOnly).toBe(true);
  });

  it('targets the orchestrator Service of the overlays on its gRPC port', () => {
    const [host, port] = runConfig().BENCH_TARGET.split(':');
    for (const overlay of ['overlays/local', 'overlays/gpu'] as const) {
      const service = named<IService>(render(overlay), 'Service', host);
      expect(service.spec?.ports?.some((p) => p.port === Number(port) && p.name === 'grpc')).toBe(true);
    }
    const run = benchCalls(container(shardsJob())).find((call) => call.command === 'run')!;
    expect(flagValue(run.words, '--target')).toBe('"${BENCH_TARGET}"');
  });

  it('runs untrusted code in a pod that may reach only the orchestrator and DNS, and nothing may reach it', () => {
    const objects = render('jobs/benchmark');
    const pod = podTemplates(objects).find((p) => p.owner === 'Job/bench-shards')!;
    const policies = ofKind<INetworkPolicy>(objects, 'NetworkPolicy').filter((p) =>
      selects(p.spec!.podSelector, pod.labels),
    );
    expect(policies).toHaveLength(1);
    const [policy] = policies;
    expect([...(policy.spec!.policyTypes ?? [])].sort()).toEqual(['Egress', 'Ingress']);
    expect(policy.spec!.ingress ?? []).toEqual([]);
    const orchestratorPods = ['overlays/local', 'overlays/gpu'].flatMap((o) =>
      podTemplates(render(o as 'overlays/local')).filter((p) => p.name === 'orchestrator'),
    );
    for (const rule of policy.spec!.egress!) {
      expect(rule.to?.length ?? 0).toBeGreaterThan(0);
      expect(rule.ports?.length ?? 0).toBeGreaterThan(0);
      for (const peer of rule.to!) {
        expect(peer.ipBlock).toBeUndefined();
        const dns =
          peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'kube-system' &&
          peer.podSelector?.matchLabels?.['k8s-app'] === 'kube-dns';
        if (dns) {
          expect(rule.ports!.every((p) => p.port === 53)).toBe(true);
        } else {
          expect(peer.namespaceSelector).toBeUndefined();
          expect(orchestratorPods.every((p) => selects(peer.podSelector, p.labels))).toBe(true);
          expect(rule.ports!.map((p) => p.port)).toEqual([50050]);
        }
      }
    }
    // The merge Job carries the same label, so the same policy applies to it.
    const merge = podTemplates(render('jobs/benchmark-merge'))[0];
    expect(selects(policy.spec!.podSelector, merge.labels)).toBe(true);
  });

  it('resumes a retried shard only when its run folder has a config.json', () => {
    expect(container(shardsJob()).args!.join('\n')).toContain(
      'if [ -f "/results/${shard}/config.json" ]; then resume="--resume"; fi',
    );
    const run = benchCalls(container(shardsJob())).find((call) => call.command === 'run')!;
    expect(run.words[run.words.length - 1]).toBe('${resume}');
  });

  it('runs as many test programs at once as its CPU limit allows', () => {
    const c = container(shardsJob());
    const run = benchCalls(c).find((call) => call.command === 'run')!;
    expect(flagValue(run.words, '--parallelism')).toBe('"${CPU_LIMIT}"');
    const cpu = c.env?.find((e) => e.name === 'CPU_LIMIT')?.valueFrom?.resourceFieldRef;
    expect(cpu).toMatchObject({ containerName: c.name, resource: 'limits.cpu' });
    expect(String(cpu?.divisor)).toBe('1');
  });

  it('is bounded: CPU, memory and disk limits, a deadline, and retries', () => {
    const job = shardsJob();
    const limits = container(job).resources!.limits!;
    expect(limits.cpu).toBeDefined();
    expect(limits.memory).toBeDefined();
    expect(limits['ephemeral-storage']).toBeDefined();
    expect(job.spec!.activeDeadlineSeconds).toBeGreaterThan(0);
    expect(job.spec!.backoffLimit).toBeGreaterThan(0);
  });
});

describe('the merge Job', () => {
  it('merges exactly the shard folders the shards wrote into /results/RUN_ID', () => {
    const c = container(mergeJob());
    for (const name of ['RUN_ID', 'SHARD_COUNT']) {
      expect(c.env?.find((e) => e.name === name)?.valueFrom?.configMapKeyRef).toEqual({
        name: 'bench-run',
        key: name,
      });
    }
    const merge = benchCalls(c).find((call) => call.command === 'merge');
    expect(merge).toBeDefined();
    expect(flagValue(merge!.words, '--out')).toBe('"/results/${RUN_ID}"');
    // The glob matches the shard run ids (RUN_ID-shard-INDEX) under the shards' --results-dir.
    expect(merge!.words).toContain('/results/"${RUN_ID}"-shard-*');
    const run = benchCalls(container(shardsJob())).find((call) => call.command === 'run')!;
    expect(flagValue(run.words, '--results-dir')).toBe('/results');
    // It checks that all SHARD_COUNT shards are there first.
    expect(c.args!.join('\n')).toMatch(/-ne "\$\{SHARD_COUNT\}"/);
  });

  it('uses the same results claim and image as the shards', () => {
    const claim = (job: IJob) =>
      job.spec!.template.spec!.volumes!.find((v) => v.name === 'results')!.persistentVolumeClaim!.claimName;
    expect(claim(mergeJob())).toBe(claim(shardsJob()));
    expect(container(mergeJob()).image).toBe(container(shardsJob()).image);
  });
});

describe('the bench command lines match the bench CLI', () => {
  // Every flag a Job passes must be one the built CLI documents in its --help.
  const help = (command: string) =>
    execFileSync(process.execPath, [join(REPO, 'dist/apps/bench/src/main.js'), command, '--help'], {
      encoding: 'utf8',
    });

  it.each([
    ['run', () => shardsJob()],
    ['health', () => shardsJob()],
    ['merge', () => mergeJob()],
  ] as const)('bench %s', (command, job) => {
    const call = benchCalls(container(job())).find((c) => c.command === command)!;
    expect(call).toBeDefined();
    const text = help(command);
    for (const flag of call.words.filter((w) => w.startsWith('--'))) {
      expect([flag, new RegExp(`${flag}[ ,=<\\n]`).test(text)]).toEqual([flag, true]);
    }
  });
});

describe('the datasets Job', () => {
  const objects = () => render('jobs/datasets');

  it('runs the mounted script against the datasets volume, read-write', () => {
    const job = named<IJob>(objects(), 'Job', 'fetch-datasets');
    const c = container(job);
    const [node, script, dir] = c.command!;
    expect(node).toBe('node');
    const scriptMount = c.volumeMounts!.find((m) => script.startsWith(m.mountPath + '/'))!;
    const scriptVolume = job.spec!.template.spec!.volumes!.find((v) => v.name === scriptMount.name)!;
    const cm = configMaps(objects()).get(scriptVolume.configMap!.name!)!;
    expect(Object.keys(cm)).toContain(script.slice(scriptMount.mountPath.length + 1));
    const dataMount = c.volumeMounts!.find((m) => m.mountPath === dir)!;
    expect(dataMount.readOnly ?? false).toBe(false);
    const dataVolume = job.spec!.template.spec!.volumes!.find((v) => v.name === dataMount.name)!;
    expect(dataVolume.persistentVolumeClaim?.claimName).toBe('ensemble-datasets');
    // The servers and the bench read the same claim at ENSEMBLE_DATA_DIR.
    expect(c.workingDir).toBe('/app');
  });

  it('the script loads a dataset with the built project (dist/) into a data directory', () => {
    const dist = join(REPO, 'dist/libs/evaluation/src/index.js');
    if (!existsSync(dist)) throw new Error(`${dist} is missing: run npm run build first`);
    const shared = process.env.ENSEMBLE_DATA_DIR ?? join(REPO, '..', 'shared', 'data');
    const file = 'human-eval-infilling/HumanEval-SingleLineInfilling.jsonl.gz';
    if (!existsSync(join(shared, file))) {
      throw new Error(`${join(shared, file)} is missing: set ENSEMBLE_DATA_DIR to the shared data directory`);
    }
    const dir = mkdtempSync(join(tmpdir(), 'fetch-datasets-'));
    try {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      copyFileSync(join(shared, file), join(dir, file));
      // Run as in the pod: cwd is the app root, no network needed when the file is there.
      const result = spawnSync(
        process.execPath,
        [join(K8S, 'jobs/datasets/fetch-datasets.mjs'), dir, 'humaneval-single-line'],
        { cwd: REPO, encoding: 'utf8', env: { PATH: process.env.PATH } },
      );
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toContain('humaneval-single-line: 1033 tasks, data-dir');
      const unknown = spawnSync(
        process.execPath,
        [join(K8S, 'jobs/datasets/fetch-datasets.mjs'), dir, 'nope'],
        {
          cwd: REPO,
          encoding: 'utf8',
        },
      );
      expect(unknown.status).toBe(1);
      expect(unknown.stderr).toContain('fetch-datasets: nope: unknown dataset');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
