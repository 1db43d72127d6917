// The "apps" API group of kubernetes-models, not this repository's apps/ (which the lint rule is about).
// eslint-disable-next-line no-restricted-imports
import { Deployment, IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import {
  HorizontalPodAutoscaler,
  IHorizontalPodAutoscaler,
} from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { IJob, Job } from 'kubernetes-models/batch/v1/Job';
import { INetworkPolicy, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { IPodDisruptionBudget, PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap, IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { INamespace, Namespace } from 'kubernetes-models/v1/Namespace';
import { IPersistentVolumeClaim, PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { IPod, Pod } from 'kubernetes-models/v1/Pod';
import { IService, Service } from 'kubernetes-models/v1/Service';
import { K8sObject, LabelSelector, ofKind, selects } from './render';

export type { IDeployment };

/**
 * Schema validation of rendered objects with kubernetes-models (the Kubernetes OpenAPI schemas as JSON-schema
 * validators). Kinds without a model here fail, unless they are a custom resource listed in HAND_CHECKED.
 */
const MODELS: Record<string, (object: K8sObject) => { validate(): void }> = {
  'v1/Namespace': (o) => new Namespace(o as unknown as INamespace),
  'v1/ConfigMap': (o) => new ConfigMap(o as unknown as IConfigMap),
  'v1/Service': (o) => new Service(o as unknown as IService),
  'v1/PersistentVolumeClaim': (o) => new PersistentVolumeClaim(o as unknown as IPersistentVolumeClaim),
  'v1/Pod': (o) => new Pod(o as unknown as IPod),
  'apps/v1/Deployment': (o) => new Deployment(o as unknown as IDeployment),
  'batch/v1/Job': (o) => new Job(o as unknown as IJob),
  'policy/v1/PodDisruptionBudget': (o) => new PodDisruptionBudget(o as unknown as IPodDisruptionBudget),
  'autoscaling/v2/HorizontalPodAutoscaler': (o) =>
    new HorizontalPodAutoscaler(o as unknown as IHorizontalPodAutoscaler),
  'networking.k8s.io/v1/NetworkPolicy': (o) => new NetworkPolicy(o as unknown as INetworkPolicy),
};

/**
 * Custom resources kubernetes-models has no schema for, checked by hand. Their CRDs must be installed in the
 * cluster (the README says which component needs which operator).
 */
const HAND_CHECKED: Record<string, (object: K8sObject, all: K8sObject[]) => string[]> = {
  'monitoring.coreos.com/v1/ServiceMonitor': checkServiceMonitor,
};

export type Verdict = { ok: true; how: 'schema' | 'by hand' } | { ok: false; problems: string[] };

export function validateObject(object: K8sObject, all: K8sObject[]): Verdict {
  const key = `${object.apiVersion}/${object.kind}`;
  const model = MODELS[key];
  if (model) {
    try {
      model(object).validate();
      return { ok: true, how: 'schema' };
    } catch (error) {
      return { ok: false, problems: [(error as Error).message] };
    }
  }
  const byHand = HAND_CHECKED[key];
  if (byHand) {
    const problems = byHand(object, all);
    return problems.length === 0 ? { ok: true, how: 'by hand' } : { ok: false, problems };
  }
  return {
    ok: false,
    problems: [
      `no schema for ${key}: add its kubernetes-models class to MODELS in test/k8s/support/validate.ts, or a ` +
        'hand check to HAND_CHECKED if it is a custom resource',
    ],
  };
}

/** Prometheus Operator ServiceMonitor: the fields we use, and that it finds the port it names on some Service. */
function checkServiceMonitor(object: K8sObject, all: K8sObject[]): string[] {
  const problems: string[] = [];
  const spec = object.spec as
    | {
        selector?: LabelSelector;
        endpoints?: { port?: string; path?: string; interval?: string; scrapeTimeout?: string }[];
        namespaceSelector?: unknown;
      }
    | undefined;
  if (!spec) return ['spec is missing'];
  if (!spec.selector || typeof spec.selector !== 'object')
    problems.push('spec.selector must be a label selector');
  if (!Array.isArray(spec.endpoints) || spec.endpoints.length === 0) {
    problems.push('spec.endpoints must be a non-empty list');
    return problems;
  }
  const services = ofKind<IService>(all, 'Service').filter(
    (s) =>
      s.metadata.namespace === object.metadata.namespace && selects(spec.selector, s.metadata.labels ?? {}),
  );
  if (services.length === 0) problems.push('spec.selector selects no rendered Service');
  const duration = /^\d+(ms|s|m|h)$/;
  spec.endpoints.forEach((endpoint, i) => {
    if (typeof endpoint.port !== 'string') problems.push(`spec.endpoints[${i}].port must be a port name`);
    for (const field of ['interval', 'scrapeTimeout'] as const) {
      const value = endpoint[field];
      if (value !== undefined && !duration.test(value))
        problems.push(`spec.endpoints[${i}].${field}: ${value}`);
    }
    if (endpoint.path !== undefined && !endpoint.path.startsWith('/')) {
      problems.push(`spec.endpoints[${i}].path must start with /`);
    }
    const withPort = services.filter((s) => s.spec?.ports?.some((p) => p.name === endpoint.port));
    if (withPort.length === 0) problems.push(`no selected Service has a port named ${endpoint.port}`);
  });
  return problems;
}
