import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IService } from 'kubernetes-models/v1/Service';
import {
  allContainers,
  configMaps,
  effectiveEnv,
  envVarsReadByApps,
  imageTag,
  K8sObject,
  KUSTOMIZATIONS,
  named,
  ofKind,
  PodTemplate,
  podTemplates,
  render,
  requireKubectl,
  schemaDefault,
  selects,
} from './support/render';
import { type IDeployment, validateObject } from './support/validate';
import { MODEL_SERVER_NODE_FLAGS } from '@ensemble/model-server';

// Renders every kustomization with `kubectl kustomize` (offline, no cluster) and checks the objects against the
// Kubernetes schemas and against what the servers need (README "Configuration", k8s/README.md).

const MODEL_SERVERS = ['ar-server', 'diffusion-server'] as const;
const SERVERS = [...MODEL_SERVERS, 'orchestrator'] as const;
const OVERLAYS = ['overlays/local', 'overlays/gpu'] as const;
const JOBS = ['jobs/benchmark', 'jobs/benchmark-merge', 'jobs/datasets', 'tools/pvc-shell'] as const;
const GPU = 'nvidia.com/gpu';

beforeAll(() => {
  requireKubectl();
});

function deployment(objects: K8sObject[], name: string): K8sObject & IDeployment {
  return named<IDeployment>(objects, 'Deployment', name);
}

function mainContainer(d: IDeployment): IContainer {
  const containers = d.spec!.template.spec!.containers;
  expect(containers).toHaveLength(1);
  return containers[0];
}

function podOf(objects: K8sObject[], owner: string): PodTemplate {
  const pod = podTemplates(objects).find((p) => p.owner === owner);
  if (!pod) throw new Error(`no pod template of ${owner}`);
  return pod;
}

/** Renderings that run together: an overlay plus the Jobs applied next to it. */
function cluster(overlay: (typeof OVERLAYS)[number]): K8sObject[] {
  return [...render(overlay), ...JOBS.flatMap((j) => render(j))];
}

function portNumber(container: IContainer, port: number | string): number | undefined {
  if (typeof port === 'number') return port;
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

describe('every kustomization renders and validates against the Kubernetes schemas', () => {
  it.each(KUSTOMIZATIONS)('%s', (dir) => {
    const objects = render(dir);
    expect(objects.length).toBeGreaterThan(0);
    const failures: string[] = [];
    const byHand: string[] = [];
    for (const object of objects) {
      const verdict = validateObject(object, objects);
      const id = `${object.kind}/${object.metadata.name}`;
      if (!verdict.ok) failures.push(`${id}: ${verdict.problems.join('; ')}`);
      else if (verdict.how === 'by hand') byHand.push(id);
    }
    if (byHand.length > 0) {
      // Custom resources (no schema in kubernetes-models): checked by hand, see support/validate.ts.
      console.log(`${dir}: checked by hand (custom resources): ${byHand.join(', ')}`);
    }
    expect(failures).toEqual([]);
    // Everything lives in one namespace, which ENSEMBLE_BACKENDS' DNS names assume.
    for (const object of objects) {
      if (object.kind !== 'Namespace')
        expect([object.kind, object.metadata.namespace]).toEqual([object.kind, 'ensemble']);
    }
  });
});

describe.each(OVERLAYS)('%s', (overlay) => {
  const objects = () => render(overlay);
  const maps = () => configMaps(render(overlay));

  it('has the three servers, each with one container running its own dist entry point', () => {
    for (const app of SERVERS) {
      const container = mainContainer(deployment(objects(), app));
      const flags = app === 'orchestrator' ? [] : MODEL_SERVER_NODE_FLAGS;
      expect(container.command).toEqual(['node', ...flags, `dist/apps/${app}/src/main.js`]);
    }
  });

  it.each(SERVERS)('%s: startup, readiness and liveness are native gRPC probes on its GRPC_PORT', (app) => {
    const container = mainContainer(deployment(objects(), app));
    const env = effectiveEnv(container, maps());
    const grpcPort = Number(env.get('GRPC_PORT'));
    expect(Number.isInteger(grpcPort)).toBe(true);
    expect(container.ports?.find((p) => p.name === 'grpc')?.containerPort).toBe(grpcPort);
    for (const probe of [container.startupProbe, container.readinessProbe, container.livenessProbe]) {
      expect(probe?.grpc).toBeDefined();
      // Numeric: the grpc probe has no named-port form.
      expect(typeof probe!.grpc!.port).toBe('number');
      expect(probe!.grpc!.port).toBe(grpcPort);
      expect(probe!.grpc!.service ?? '').toBe('');
      expect(probe!.httpGet ?? probe!.tcpSocket ?? probe!.exec).toBeUndefined();
    }
    // METRICS_PORT is served and declared.
    const metricsPort = Number(env.get('METRICS_PORT'));
    expect(container.ports?.find((p) => p.name === 'metrics')?.containerPort).toBe(metricsPort);
    expect(env.get('GRPC_HOST') ?? '0.0.0.0').toBe('0.0.0.0');
  });

  it.each(SERVERS)(
    '%s: serves plaintext on purpose, since the kubelet’s gRPC probes cannot speak TLS',
    (app) => {
      const env = effectiveEnv(mainContainer(deployment(objects(), app)), maps());
      expect(env.get('TLS_CERT_FILE')).toBeUndefined();
      // Only where the servers refuse plaintext unless told (the setting exists in libs/config).
      if (envVarsReadByApps().names.has('ALLOW_PLAINTEXT')) expect(env.get('ALLOW_PLAINTEXT')).toBe('true');
      if (app === 'orchestrator' && envVarsReadByApps().names.has('BACKEND_ALLOW_PLAINTEXT')) {
        expect(env.get('BACKEND_ALLOW_PLAINTEXT')).toBe('true');
      }
    },
  );

  it.each(MODEL_SERVERS)('%s: the startup probe allows minutes for loading a 0.5B model', (app) => {
    const probe = mainContainer(deployment(objects(), app)).startupProbe!;
    const budget =
      (probe.initialDelaySeconds ?? 0) + (probe.periodSeconds ?? 10) * (probe.failureThreshold ?? 3);
    expect(budget).toBeGreaterThanOrEqual(300);
  });

  it.each(SERVERS)('%s: terminationGracePeriodSeconds exceeds preStop + SHUTDOWN_GRACE_MS', (app) => {
    const d = deployment(objects(), app);
    const container = mainContainer(d);
    const graceMs = Number(
      effectiveEnv(container, maps()).get('SHUTDOWN_GRACE_MS') ??
        schemaDefault('libs/config/src/server-config.ts', 'SHUTDOWN_GRACE_MS'),
    );
    const preStop = container.lifecycle?.preStop?.exec?.command ?? [];
    const sleep = preStop[0] === 'sleep' ? Number(preStop[1]) : 0;
    expect(sleep).toBeGreaterThan(0); // endpoints and DNS catch up before the drain starts
    const termination = d.spec!.template.spec!.terminationGracePeriodSeconds ?? 30;
    expect(termination).toBeGreaterThan(sleep + graceMs / 1000);
  });

  it.each(SERVERS)('%s: requests CPU and memory and limits memory', (app) => {
    const resources = mainContainer(deployment(objects(), app)).resources;
    expect(resources?.requests?.cpu).toBeDefined();
    expect(resources?.requests?.memory).toBeDefined();
    expect(resources?.limits?.memory).toBeDefined();
  });

  it.each(MODEL_SERVERS)('%s: reads its model directory from the models volume, read-only', (app) => {
    const d = deployment(objects(), app);
    const container = mainContainer(d);
    const modelDir = effectiveEnv(container, maps()).get('MODEL_DIR');
    expect(modelDir).toBeDefined();
    const mount = container.volumeMounts?.find((m) => modelDir!.startsWith(m.mountPath + '/'));
    expect(mount?.readOnly).toBe(true);
    const volume = d.spec!.template.spec!.volumes?.find((v) => v.name === mount!.name);
    expect(volume?.persistentVolumeClaim?.readOnly).toBe(true);
    named(objects(), 'PersistentVolumeClaim', volume!.persistentVolumeClaim!.claimName);
  });

  it.each(MODEL_SERVERS)('%s: a headless Service selects its pods on the gRPC port', (app) => {
    const pod = podOf(objects(), `Deployment/${app}`);
    const service = named<IService>(objects(), 'Service', `${app}-headless`);
    expect(service.spec?.clusterIP).toBe('None');
    expect(selects({ matchLabels: service.spec?.selector }, pod.labels)).toBe(true);
    const grpc = service.spec?.ports?.find((p) => p.name === 'grpc');
    expect(portNumber(pod.spec.containers[0], grpc!.targetPort ?? grpc!.port)).toBe(grpc!.port);
  });

  it('the orchestrator has a ClusterIP Service on its gRPC port', () => {
    const pod = podOf(objects(), 'Deployment/orchestrator');
    const service = named<IService>(objects(), 'Service', 'orchestrator');
    expect(service.spec?.type ?? 'ClusterIP').toBe('ClusterIP');
    expect(service.spec?.clusterIP).not.toBe('None');
    expect(selects({ matchLabels: service.spec?.selector }, pod.labels)).toBe(true);
    const grpc = service.spec?.ports?.find((p) => p.name === 'grpc');
    expect(portNumber(pod.spec.containers[0], grpc!.targetPort ?? grpc!.port)).toBe(50050);
  });

  it('ENSEMBLE_BACKENDS names every model server by its headless Service with a dns:/// target', () => {
    const env = effectiveEnv(mainContainer(deployment(objects(), 'orchestrator')), maps());
    const spec = env.get('ENSEMBLE_BACKENDS');
    expect(spec).toBeDefined();
    const reached = new Set<string>();
    for (const entry of spec!.split(',')) {
      const match = /^([\w-]+)=dns:\/\/\/([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local:(\d+)$/.exec(
        entry.trim(),
      );
      expect([entry, match !== null]).toEqual([entry, true]);
      const [, , serviceName, namespace, port] = match!;
      const service = named<IService>(objects(), 'Service', serviceName);
      expect(service.metadata?.namespace).toBe(namespace);
      expect(service.spec?.clusterIP).toBe('None');
      const servicePort = service.spec?.ports?.find((p) => p.port === Number(port));
      expect(servicePort).toBeDefined();
      // The pods behind it listen there (headless: the client dials the pod IP on the service port's target).
      for (const pod of podTemplates(objects()).filter((p) =>
        selects({ matchLabels: service.spec?.selector }, p.labels),
      )) {
        const target = portNumber(pod.spec.containers[0], servicePort!.targetPort ?? servicePort!.port);
        expect(target).toBe(Number(port));
        reached.add(pod.name);
      }
    }
    expect([...reached].sort()).toEqual([...MODEL_SERVERS].sort());
  });

  it('has a PodDisruptionBudget for every Deployment, selecting exactly its pods, that never blocks a drain', () => {
    const pdbs = ofKind<IPodDisruptionBudget>(objects(), 'PodDisruptionBudget');
    const pods = podTemplates(objects());
    for (const app of SERVERS) {
      const pod = podOf(objects(), `Deployment/${app}`);
      const covering = pdbs.filter((pdb) => selects(pdb.spec?.selector, pod.labels));
      expect([app, covering.length]).toEqual([app, 1]);
      const pdb = covering[0];
      expect(pods.filter((p) => selects(pdb.spec?.selector, p.labels)).map((p) => p.owner)).toEqual([
        `Deployment/${app}`,
      ]);
      // maxUnavailable 1 (not minAvailable 1): a single replica can still be evicted for node maintenance.
      expect(pdb.spec?.maxUnavailable).toBe(1);
    }
  });

  it('scales the orchestrator with an autoscaling/v2 HPA on CPU, and lets the HPA own its replicas', () => {
    const hpas = ofKind<IHorizontalPodAutoscaler>(objects(), 'HorizontalPodAutoscaler');
    expect(hpas).toHaveLength(1);
    const [hpa] = hpas;
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec!.scaleTargetRef).toMatchObject({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'orchestrator',
    });
    const target = deployment(objects(), hpa.spec!.scaleTargetRef.name);
    expect(target.spec!.replicas).toBeUndefined();
    expect(hpa.spec!.minReplicas).toBeGreaterThanOrEqual(1);
    expect(hpa.spec!.maxReplicas).toBeGreaterThanOrEqual(hpa.spec!.minReplicas!);
    expect(hpa.spec!.metrics?.some((m) => m.type === 'Resource' && m.resource?.name === 'cpu')).toBe(true);
    // Utilization targets need CPU requests.
    expect(mainContainer(target).resources?.requests?.cpu).toBeDefined();
  });

  it('lets only the orchestrator reach the model servers’ gRPC ports', () => {
    const all = cluster(overlay);
    const pods = podTemplates(all);
    const policies = ofKind<INetworkPolicy>(objects(), 'NetworkPolicy');
    for (const app of MODEL_SERVERS) {
      const pod = podOf(objects(), `Deployment/${app}`);
      const grpcPort = pod.spec.containers[0].ports!.find((p) => p.name === 'grpc')!.containerPort;
      const applying = policies.filter((p) => selects(p.spec!.podSelector, pod.labels));
      expect(applying.some((p) => p.spec!.policyTypes?.includes('Ingress'))).toBe(true);
      let orchestratorAllowed = false;
      for (const policy of applying) {
        for (const rule of policy.spec!.ingress ?? []) {
          const opensGrpc =
            !rule.ports ||
            rule.ports.some((p) => p.port === undefined || p.port === grpcPort || p.port === 'grpc');
          if (!opensGrpc) continue;
          expect(rule.from?.length ?? 0).toBeGreaterThan(0); // no "from anywhere"
          for (const peer of rule.from!) {
            expect(peer.ipBlock).toBeUndefined();
            expect(peer.namespaceSelector).toBeUndefined(); // same namespace only
            const sources = pods.filter((p) => selects(peer.podSelector, p.labels)).map((p) => p.name);
            expect(sources.length).toBeGreaterThan(0);
            expect(sources.every((s) => s === 'orchestrator' || s.startsWith('bench'))).toBe(true);
            if (sources.includes('orchestrator')) orchestratorAllowed = true;
          }
        }
      }
      expect(orchestratorAllowed).toBe(true);
    }
  });

  it('has no image without a tag or with :latest, and the server images are the ensemble-infill ones', () => {
    for (const pod of podTemplates(objects())) {
      for (const container of allContainers(pod.spec)) {
        const tag = imageTag(container.image!);
        expect([container.image, tag !== undefined && tag !== 'latest']).toEqual([container.image, true]);
      }
    }
    for (const app of SERVERS) {
      expect(mainContainer(deployment(objects(), app)).image).toMatch(new RegExp(`^ensemble-infill/${app}:`));
    }
  });
});

describe('GPU overlay', () => {
  const objects = () => render('overlays/gpu');
  const maps = () => configMaps(objects());

  it.each(MODEL_SERVERS)(
    '%s: one GPU, the GPU pool, its taint tolerated, /dev/shm in memory, CUDA',
    (app) => {
      const d = deployment(objects(), app);
      const pod = d.spec!.template.spec!;
      const container = mainContainer(d);
      expect(String(container.resources?.limits?.[GPU])).toBe('1');
      expect(Object.keys(pod.nodeSelector ?? {})).toContain('nvidia.com/gpu.present');
      expect(
        pod.tolerations?.some(
          (t) =>
            t.key === GPU &&
            t.effect === 'NoSchedule' &&
            (t.operator === 'Exists' || (t.operator === 'Equal' && t.value !== undefined)),
        ),
      ).toBe(true);
      const shm = container.volumeMounts?.find((m) => m.mountPath === '/dev/shm');
      expect(pod.volumes?.find((v) => v.name === shm?.name)?.emptyDir?.medium).toBe('Memory');
      expect(effectiveEnv(container, maps()).get('ORT_EXECUTION_PROVIDER')).toBe('cuda');
      expect(container.image).toMatch(/-cuda12$/);
      // A rollout must not wait for a spare GPU.
      expect(d.spec!.strategy?.rollingUpdate?.maxSurge).toBe(0);
    },
  );

  it('keeps the orchestrator off the GPUs', () => {
    const d = deployment(objects(), 'orchestrator');
    expect(mainContainer(d).resources?.limits?.[GPU]).toBeUndefined();
    expect(d.spec!.template.spec!.tolerations ?? []).toEqual([]);
    expect(mainContainer(d).image).not.toMatch(/cuda/);
  });

  it('is scraped by Prometheus: a ServiceMonitor and prometheus.io annotations on every server', () => {
    expect(ofKind(objects(), 'ServiceMonitor')).toHaveLength(1);
    for (const app of SERVERS) {
      const pod = podOf(objects(), `Deployment/${app}`);
      const env = effectiveEnv(pod.spec.containers[0], maps());
      expect(pod.annotations['prometheus.io/scrape']).toBe('true');
      expect(pod.annotations['prometheus.io/port']).toBe(env.get('METRICS_PORT'));
    }
  });
});

describe('local overlay', () => {
  const objects = () => render('overlays/local');
  const maps = () => configMaps(objects());

  it('asks for no GPU anywhere: no nvidia.com/gpu resources, GPU node selectors or tolerations', () => {
    for (const pod of podTemplates(objects())) {
      expect(pod.spec.nodeSelector ?? {}).toEqual({});
      expect(pod.spec.tolerations ?? []).toEqual([]);
      for (const container of allContainers(pod.spec)) {
        expect(container.resources?.limits?.[GPU]).toBeUndefined();
        expect(container.resources?.requests?.[GPU]).toBeUndefined();
        expect(container.image).not.toMatch(/cuda/);
        const env = effectiveEnv(container, maps());
        if (env.has('ORT_EXECUTION_PROVIDER')) expect(env.get('ORT_EXECUTION_PROVIDER')).toBe('cpu');
      }
    }
    expect(JSON.stringify(objects())).not.toContain('nvidia.com');
  });

  it('runs one replica of each server with small requests and one-node volumes', () => {
    for (const app of MODEL_SERVERS) expect(deployment(objects(), app).spec!.replicas).toBe(1);
    expect(
      named<IHorizontalPodAutoscaler>(objects(), 'HorizontalPodAutoscaler', 'orchestrator').spec!.minReplicas,
    ).toBe(1);
    for (const app of SERVERS) {
      const cpu = String(mainContainer(deployment(objects(), app)).resources!.requests!.cpu);
      expect(cpu).toMatch(/^\d+m$/);
      expect(parseInt(cpu, 10)).toBeLessThanOrEqual(500);
    }
    for (const pvc of ofKind<{ spec: { accessModes: string[] } }>(objects(), 'PersistentVolumeClaim')) {
      expect(pvc.spec.accessModes).toEqual(['ReadWriteOnce']);
    }
  });
});

describe('pod hardening, in every kustomization', () => {
  const all = () => KUSTOMIZATIONS.flatMap((dir) => podTemplates(render(dir)).map((pod) => ({ dir, pod })));

  it('finds the pods to check', () => {
    expect(all().map(({ pod }) => pod.owner)).toEqual(
      expect.arrayContaining([
        'Deployment/ar-server',
        'Deployment/diffusion-server',
        'Deployment/orchestrator',
        'Job/bench-shards',
        'Job/bench-merge',
        'Job/fetch-datasets',
        'Pod/pvc-shell',
      ]),
    );
  });

  it('runs as a non-root user with RuntimeDefault seccomp, no token, no host namespaces', () => {
    for (const { dir, pod } of all()) {
      const where = `${dir} ${pod.owner}`;
      const spec = pod.spec;
      expect([where, spec.securityContext?.runAsNonRoot]).toEqual([where, true]);
      // 10001 is the images' user; the bench Jobs use their own uid (see the comment in jobs/benchmark/job.yaml).
      const uid = pod.labels['app.kubernetes.io/name'] === 'bench' ? 10002 : 10001;
      expect([where, spec.securityContext?.runAsUser]).toEqual([where, uid]);
      expect([where, spec.securityContext?.runAsGroup]).toEqual([where, 10001]);
      expect([where, spec.securityContext?.seccompProfile?.type]).toEqual([where, 'RuntimeDefault']);
      expect([where, spec.automountServiceAccountToken]).toEqual([where, false]);
      expect([where, spec.hostNetwork ?? false, spec.hostPID ?? false, spec.hostIPC ?? false]).toEqual([
        where,
        false,
        false,
        false,
      ]);
      expect([where, (spec.volumes ?? []).filter((v) => v.hostPath)]).toEqual([where, []]);
    }
  });

  it('gives every container a read-only root, no privilege escalation, no capabilities, and an emptyDir /tmp', () => {
    for (const { dir, pod } of all()) {
      for (const container of allContainers(pod.spec)) {
        const where = `${dir} ${pod.owner} ${container.name}`;
        const sc = container.securityContext;
        expect([
          where,
          sc?.allowPrivilegeEscalation,
          sc?.readOnlyRootFilesystem,
          sc?.privileged ?? false,
        ]).toEqual([where, false, true, false]);
        expect([where, sc?.capabilities?.drop]).toEqual([where, ['ALL']]);
        expect([where, sc?.capabilities?.add ?? []]).toEqual([where, []]);
        expect([where, sc?.runAsUser ?? pod.spec.securityContext?.runAsUser]).not.toEqual([where, 0]);
        const tmp = container.volumeMounts?.find((m) => m.mountPath === '/tmp');
        const volume = pod.spec.volumes?.find((v) => v.name === tmp?.name);
        expect([where, volume?.emptyDir !== undefined]).toEqual([where, true]);
        expect([where, container.resources?.limits?.memory !== undefined]).toEqual([where, true]);
      }
    }
  });
});

describe('environment variables in the manifests', () => {
  const readByApps = envVarsReadByApps();

  it('are derived from the sources (sanity check of the derivation)', () => {
    // If this fails the scan in support/render.ts no longer understands the config code.
    expect(readByApps.files).toEqual(expect.arrayContaining(['libs/config/src/server-config.ts']));
    for (const name of [
      'GRPC_PORT',
      'SHUTDOWN_GRACE_MS',
      'MODEL_DIR',
      'ENSEMBLE_BACKENDS',
      'ENSEMBLE_DATA_DIR',
    ]) {
      expect(readByApps.names).toContain(name);
    }
  });

  it.each(KUSTOMIZATIONS)(
    '%s: every variable set is read by an app or used by the container’s own command',
    (dir) => {
      const objects = render(dir);
      // jobs/benchmark-merge reads the bench-run ConfigMap made by jobs/benchmark.
      const maps = configMaps(...KUSTOMIZATIONS.map((k) => render(k)));
      const unknown: string[] = [];
      for (const pod of podTemplates(objects)) {
        for (const container of allContainers(pod.spec)) {
          const script = [...(container.command ?? []), ...(container.args ?? [])].join(' ');
          for (const name of effectiveEnv(container, maps).keys()) {
            const usedByCommand = new RegExp(`\\$\\{?${name}\\b|\\$\\(${name}\\)`).test(script);
            if (!readByApps.names.has(name) && !usedByCommand)
              unknown.push(`${pod.owner}/${container.name}: ${name}`);
          }
        }
      }
      expect(unknown).toEqual([]);
    },
  );
});

describe('volumes', () => {
  it.each(KUSTOMIZATIONS.filter((k) => k !== 'base'))(
    '%s: every claim a pod mounts is created by base',
    (dir) => {
      const claims = new Set(ofKind(render('base'), 'PersistentVolumeClaim').map((c) => c.metadata.name));
      for (const pod of podTemplates(render(dir))) {
        for (const volume of pod.spec.volumes ?? []) {
          if (volume.persistentVolumeClaim) expect(claims).toContain(volume.persistentVolumeClaim.claimName);
        }
      }
    },
  );
});
