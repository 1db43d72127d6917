import { readFileSync } from 'node:fs';
import { isFeatureName } from './features';
import type { LogisticFit } from './logistic';
import { SelectionError } from './types';

export const LEARNED_MODEL_VERSION = 1;

/**
 * The weights file of the learned strategy (written by `bench fit-selector`):
 * `{ "version": 1, "features": [...], "weights": [...], "bias": b, "trained_on": ... }`.
 * p(candidate is right) = sigmoid(bias + Σ weights[j] · feature[features[j]]); features as featuresOf names them.
 * trained_on is free-form provenance (dataset, split, task count, cross-validation accuracy, date).
 */
export interface LearnedModelFile {
  version: typeof LEARNED_MODEL_VERSION;
  features: string[];
  weights: number[];
  bias: number;
  trained_on?: unknown;
}

export interface LearnedModel {
  features: readonly string[];
  weights: readonly number[];
  bias: number;
  trainedOn?: unknown;
  /** Where it was loaded from, for reasons and errors. */
  source: string;
}

/** Validates a parsed weights file; throws a SelectionError naming the field and the source. */
export function parseLearnedModel(json: unknown, source = 'weights'): LearnedModel {
  const fail = (message: string): never => {
    throw new SelectionError(`${source}: ${message}`);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail('must be a JSON object');
  const file = json as Record<string, unknown>;
  if (file.version !== LEARNED_MODEL_VERSION) {
    fail(`version must be ${LEARNED_MODEL_VERSION}, got ${JSON.stringify(file.version)}`);
  }
  const { features, weights, bias } = file;
  if (!Array.isArray(features) || features.length === 0 || !features.every((f) => typeof f === 'string')) {
    return fail('features must be a non-empty array of strings');
  }
  const unknown = features.filter((f) => !isFeatureName(f));
  if (unknown.length) fail(`unknown feature names: ${unknown.join(', ')}`);
  const duplicated = features.filter((f, i) => features.indexOf(f) !== i);
  if (duplicated.length) fail(`duplicated feature names: ${[...new Set(duplicated)].join(', ')}`);
  if (!Array.isArray(weights) || !weights.every((w) => typeof w === 'number' && Number.isFinite(w))) {
    return fail('weights must be an array of finite numbers');
  }
  if (weights.length !== features.length) {
    fail(`weights has ${weights.length} entries for ${features.length} features`);
  }
  if (typeof bias !== 'number' || !Number.isFinite(bias)) fail('bias must be a finite number');
  return {
    features: features as string[],
    weights: weights as number[],
    bias: bias as number,
    trainedOn: file.trained_on,
    source,
  };
}

/** Reads and validates a weights file (synchronously: load it once at start-up). */
export function loadLearnedModel(path: string): LearnedModel {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SelectionError(`cannot read weights file ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SelectionError(`${path}: not valid JSON: ${(error as Error).message}`);
  }
  return parseLearnedModel(json, path);
}

/** The weights file for a fit over the given feature columns. */
export function toLearnedModelFile(
  features: readonly string[],
  fit: Pick<LogisticFit, 'weights' | 'bias'>,
  trainedOn?: unknown,
): LearnedModelFile {
  if (fit.weights.length !== features.length) {
    throw new RangeError(`${fit.weights.length} weights for ${features.length} features`);
  }
  return {
    version: LEARNED_MODEL_VERSION,
    features: [...features],
    weights: [...fit.weights],
    bias: fit.bias,
    ...(trainedOn === undefined ? {} : { trained_on: trainedOn }),
  };
}
