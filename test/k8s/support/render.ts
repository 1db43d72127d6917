import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';

/** Helpers of the Kubernetes manifest checks: render with `kubectl kustomize`, walk objects, resolve env, match labels. */

export const REPO = resolve(__dirname, '..', '..', '..');
export const K8S = join(REPO, 'k8s');

/** Every kustomization a user applies (plus base, which overlays build on). */
export const KUSTOMIZATIONS = [
  'base',
  'overlays/local',
  'overlays/gpu',
  'jobs/benchmark',
  'jobs/benchmark-merge',
  'jobs/datasets',
  'tools/pvc-shell',
] as const;
export type Kustomization = (typeof KUSTOMIZATIONS)[number];

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A rendered object: typed views (IDeployment, ...) are cast from this after a kind check. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

const KUBECTL = process.env.KUBECTL ?? 'kubectl';

/** Fails with install instructions when kubectl is not there (it renders kustomize offline; no cluster needed). */
export function requireKubectl(): string {
  const probe = spawnSync(KUBECTL, ['version', '--client'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `kubectl is needed to render the kustomizations (no cluster needed) and ${KUBECTL} did not run` +
        ` (${probe.error?.message ?? probe.stderr.trim()}). Install it: Debian/Ubuntu ` +
        '`apt-get install kubectl` from pkgs.k8s.io (https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/), ' +
        'or `curl -LO https://dl.k8s.io/release/$(curl -Ls https://dl.k8s.io/release/stable.txt)/bin/linux/amd64/kubectl ' +
        '&& install -m 0755 kubectl /usr/local/bin/kubectl`; or point KUBECTL at a kubectl binary.',
    );
  }
  return probe.stdout.trim();
}

const cache = new Map<string, K8sObject[]>();

/** `kubectl kustomize k8s/<dir>`, parsed (multi-document YAML), cached per directory. */
export function render(dir: Kustomization): K8sObject[] {
  const cached = cache.get(dir);
  if (cached) return cached;
  const text = execFileSync(KUBECTL, ['kustomize', join(K8S, dir)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${dir}: YAML error: ${doc.errors[0].message}`);
    const value = doc.toJS() as K8sObject | null;
    if (value !== null) objects.push(value);
  }
  cache.set(dir, objects);
  return objects;
}

export function ofKind<T = K8sObject>(objects: K8sObject[], kind: string): (K8sObject & T)[] {
  return objects.filter((o) => o.kind === kind) as (K8sObject & T)[];
}

export function named<T = K8sObject>(objects: K8sObject[], kind: string, name: string): K8sObject & T {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the rendering`);
  return found as K8sObject & T;
}

/** A pod as some workload will create it. */
export interface PodTemplate {
  /** "Deployment/ar-server" */
  owner: string;
  kind: string;
  name: string;
  namespace: string | undefined;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: IPodSpec;
}

export function podTemplates(objects: K8sObject[]): PodTemplate[] {
  const pods: PodTemplate[] = [];
  for (const o of objects) {
    let template: { metadata?: Partial<ObjectMeta>; spec?: IPodSpec } | undefined;
    if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(o.kind)) {
      template = (o.spec as { template?: typeof template }).template;
    } else if (o.kind === 'CronJob') {
      template = (o.spec as { jobTemplate: { spec: { template: typeof template } } }).jobTemplate.spec
        .template;
    } else if (o.kind === 'Pod') {
      template = { metadata: o.metadata, spec: o.spec as IPodSpec };
    }
    if (!template?.spec) continue;
    pods.push({
      owner: `${o.kind}/${o.metadata.name}`,
      kind: o.kind,
      name: o.metadata.name,
      namespace: o.metadata.namespace,
      labels: template.metadata?.labels ?? {},
      annotations: template.metadata?.annotations ?? {},
      spec: template.spec,
    });
  }
  return pods;
}

export function allContainers(spec: IPodSpec): IContainer[] {
  return [...(spec.initContainers ?? []), ...spec.containers];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Kubernetes label selector semantics (an empty selector selects everything). */
export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = key in labels;
    const ok =
      operator === 'In'
        ? has && values.includes(labels[key])
        : operator === 'NotIn'
          ? !has || !values.includes(labels[key])
          : operator === 'Exists'
            ? has
            : operator === 'DoesNotExist'
              ? !has
              : false;
    if (!ok) return false;
  }
  return true;
}

/** ConfigMap data by name, over any number of renderings (a Job may read a ConfigMap another kustomization made). */
export function configMaps(...renderings: K8sObject[][]): Map<string, Record<string, string>> {
  const maps = new Map<string, Record<string, string>>();
  for (const objects of renderings) {
    for (const cm of ofKind<{ data?: Record<string, string> }>(objects, 'ConfigMap')) {
      maps.set(cm.metadata.name, cm.data ?? {});
    }
  }
  return maps;
}

/**
 * The environment a container starts with, as far as the manifests decide it: envFrom ConfigMaps, then env (later
 * wins). Values from the downward API or secrets are shown as `<valueFrom>`.
 */
export function effectiveEnv(
  container: IContainer,
  maps: Map<string, Record<string, string>>,
): Map<string, string> {
  const env = new Map<string, string>();
  for (const source of container.envFrom ?? []) {
    if (source.secretRef) continue;
    const name = source.configMapRef?.name;
    if (!name) continue;
    const data = maps.get(name);
    if (!data) {
      if (source.configMapRef?.optional) continue;
      throw new Error(`container ${container.name}: envFrom ConfigMap ${name} is not rendered anywhere`);
    }
    for (const [key, value] of Object.entries(data)) env.set(`${source.prefix ?? ''}${key}`, value);
  }
  for (const variable of container.env ?? []) {
    if (variable.valueFrom?.configMapKeyRef) {
      const { name, key } = variable.valueFrom.configMapKeyRef;
      const value = maps.get(name ?? '')?.[key];
      if (value === undefined)
        throw new Error(`env ${variable.name}: ConfigMap key ${name}/${key} not rendered`);
      env.set(variable.name, value);
    } else {
      env.set(variable.name, variable.value ?? '<valueFrom>');
    }
  }
  return env;
}

/** The whole command line of a container as one string (for scripts run with sh -c). */
export function commandLine(container: IContainer): string {
  return [...(container.command ?? []), ...(container.args ?? [])].join(' ');
}

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const files: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      if (!['node_modules', 'generated', 'testing'].includes(entry)) files.push(...sourceFiles(path));
    } else if (entry.endsWith('.ts') && !entry.endsWith('.spec.ts') && !entry.endsWith('.d.ts')) {
      files.push(path);
    }
  }
  return files;
}

/** Every production TypeScript source of apps/* and libs/* (not tests, test helpers or generated code). */
export function productionSources(): string[] {
  return ['apps', 'libs'].flatMap((top) =>
    readdirSync(join(REPO, top)).flatMap((pkg) => sourceFiles(join(REPO, top, pkg, 'src'))),
  );
}

/**
 * Environment variable names the apps read, found in the sources rather than listed here: keys of the zod
 * environment schemas (`NAME: integer(...)`, `text(`, `oneOf(`, ...; see libs/config/src/fields.ts) and direct
 * `process.env.NAME` / `env.NAME` reads.
 */
export function envVarsReadByApps(): { names: Set<string>; files: string[] } {
  const names = new Set<string>();
  const files = new Set<string>();
  const fieldBuilders = Array.from(
    readFileSync(join(REPO, 'libs/config/src/fields.ts'), 'utf8').matchAll(/^export function (\w+)[<(]/gm),
    (m) => m[1],
  );
  const schemaKey = new RegExp(
    `^\\s*([A-Z][A-Z0-9_]*[A-Z0-9]):\\s*(?:${[...fieldBuilders, 'z\\.\\w+'].join('|')})\\(`,
    'gm',
  );
  const envRead = /\b(?:process\.env|env)(?:\.|\[['"])([A-Z][A-Z0-9_]*[A-Z0-9])\b/g;
  for (const file of productionSources()) {
    const text = readFileSync(file, 'utf8');
    for (const pattern of [schemaKey, envRead]) {
      for (const match of text.matchAll(pattern)) {
        names.add(match[1]);
        files.add(relative(REPO, file));
      }
    }
  }
  return { names, files: [...files].sort() };
}

/** A default from a zod env schema, e.g. SHUTDOWN_GRACE_MS: integer(10_000, ...) in libs/config/src/server-config.ts. */
export function schemaDefault(file: string, variable: string): number {
  const text = readFileSync(join(REPO, file), 'utf8');
  const match = new RegExp(`${variable}:\\s*\\w+\\(([\\d_]+)`).exec(text);
  if (!match) throw new Error(`no default for ${variable} in ${file}`);
  return Number(match[1].replace(/_/g, ''));
}

/** `image: name:tag` or `name@sha256:...` -> tag (undefined when the image has neither, i.e. implicitly :latest). */
export function imageTag(image: string): string | undefined {
  if (image.includes('@')) return image.slice(image.indexOf('@'));
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  return colon === -1 ? undefined : image.slice(colon + 1);
}

export function imageName(image: string): string {
  const at = image.indexOf('@');
  const withoutDigest = at === -1 ? image : image.slice(0, at);
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  return colon === -1 ? withoutDigest : withoutDigest.slice(0, colon);
}
