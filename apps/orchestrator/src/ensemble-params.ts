import { EvaluateRequest, InfillRequest } from '@ensemble/proto';
import { InvalidArgumentError } from '@ensemble/grpc';
import { DATASET_NAMES, DatasetName, isDatasetName } from '@ensemble/evaluation';
import {
  enumValue,
  GenerationDefaults,
  integerInRange,
  RequestLimits,
  SelectionStrategyName,
  STRATEGY_NAMES,
  validateDiffusion,
  validateInput,
  validateSampling,
} from '@ensemble/validation';
import type { BackendTarget } from './backends';

/**
 * The orchestrator checks ranges with the model servers' own rules so a bad request fails at the front door
 * with the same message; the defaults here only fill the check, the backends resolve their own.
 */
const RANGE_ONLY_DEFAULTS: GenerationDefaults = {
  sampling: { temperature: 0, topP: 1, topK: 0, maxNewTokens: 1, n: 1 },
  diffusion: {
    steps: 1,
    algorithm: 'p2',
    algTemp: 0,
    lengthPolicy: 'search',
    middleLength: 1,
    candidateLengths: [],
  },
};

export interface InfillParams {
  prefix: string;
  suffix: string;
  /** Undefined: the configured default strategy. */
  strategy: SelectionStrategyName | undefined;
  backends: BackendTarget[];
}

export function validateInfillRequest(
  request: InfillRequest,
  backends: BackendTarget[],
  limits: RequestLimits,
): InfillParams {
  const { prefix, suffix } = validateInput(request.input, limits);
  validateSampling(request.sampling, RANGE_ONLY_DEFAULTS.sampling, limits);
  validateDiffusion(request.diffusion, RANGE_ONLY_DEFAULTS.diffusion, limits);
  return {
    prefix,
    suffix,
    strategy: request.strategy
      ? enumValue('strategy', request.strategy, STRATEGY_NAMES, 'SelectionStrategy')
      : undefined,
    backends: selectBackends(request.backends ?? [], backends),
  };
}

export interface EvaluateParams {
  dataset: DatasetName;
  offset: number;
  limit: number | undefined;
  shardIndex: number;
  shardCount: number;
  oracleLength: boolean;
}

export function validateEvaluateRequest(request: EvaluateRequest, limits: RequestLimits): EvaluateParams {
  if (!isDatasetName(request.dataset ?? '')) {
    throw new InvalidArgumentError(
      'dataset',
      `must be one of ${DATASET_NAMES.join(', ')}, got ${JSON.stringify(request.dataset ?? '')}`,
    );
  }
  const shardCount = Math.max(1, request.shardCount ?? 0);
  if ((request.shardIndex ?? 0) >= shardCount) {
    throw new InvalidArgumentError(
      'shard_index',
      `must be less than shard_count (${shardCount}), got ${request.shardIndex}`,
    );
  }
  validateSampling(request.sampling, RANGE_ONLY_DEFAULTS.sampling, limits);
  validateDiffusion(request.diffusion, RANGE_ONLY_DEFAULTS.diffusion, limits);
  integerInRange('concurrency', request.concurrency ?? 0, 0, 256);
  (request.strategies ?? []).forEach((strategy, i) =>
    enumValue(`strategies[${i}]`, strategy, STRATEGY_NAMES, 'SelectionStrategy'),
  );
  return {
    dataset: request.dataset as DatasetName,
    offset: request.offset ?? 0,
    limit: request.limit ?? undefined,
    shardIndex: request.shardIndex ?? 0,
    shardCount,
    oracleLength: request.oracleLength ?? false,
  };
}

function selectBackends(requested: string[], configured: BackendTarget[]): BackendTarget[] {
  if (requested.length === 0) return configured;
  return requested.map((name, i) => {
    const backend = configured.find((candidate) => candidate.name === name);
    if (!backend) {
      throw new InvalidArgumentError(
        `backends[${i}]`,
        `names no configured backend: got ${JSON.stringify(name)}, configured: ${configured.map((b) => b.name).join(', ')}`,
      );
    }
    return backend;
  });
}
