import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ModelManifest } from '@ensemble/inference';
import { ModelTokenizer } from '../model-tokenizer';
import { readQwen2TokenizerDir } from '../qwen2-tokenizer-json';

// Spec helpers (not exported from the lib): the bundled tiny models and the shared Qwen2.5 tokenizer files.

const REPO = resolve(__dirname, '../../../..');

export type FixtureModel = 'tiny-ar' | 'tiny-diffusion';

export interface TokenizerCase {
  text: string;
  ids: number[];
  decoded_skip_special: string;
}

export function fixtureDir(model: FixtureModel): string {
  return join(REPO, 'test/fixtures/models', model);
}

export function fixtureTokenizer(model: FixtureModel): ModelTokenizer {
  return ModelTokenizer.fromFile(join(fixtureDir(model), 'tokenizer.json'));
}

/** text -> ids -> decoded, written by the Python `tokenizers` library when the fixture was exported. */
export function fixtureTokenizerCases(model: FixtureModel): TokenizerCase[] {
  const reference = JSON.parse(readFileSync(join(fixtureDir(model), 'reference/logits.json'), 'utf8')) as {
    tokenizer_cases: TokenizerCase[];
  };
  return reference.tokenizer_cases;
}

/** ENSEMBLE_DATA_DIR, or ../shared/data beside the repository (CI's layout). */
export function sharedDataDir(): string {
  return process.env.ENSEMBLE_DATA_DIR ?? join(REPO, '..', 'shared', 'data');
}

let qwen: ModelTokenizer | undefined;

/** The real Qwen2.5 tokenizer built from the shared vocab.json + merges.txt; fails loudly when they are absent. */
export function qwenTokenizer(): ModelTokenizer {
  const dir = join(sharedDataDir(), 'qwen2.5-tokenizer');
  if (!existsSync(join(dir, 'vocab.json'))) {
    throw new Error(
      `Qwen2.5 tokenizer files not found in ${dir}: set ENSEMBLE_DATA_DIR to the shared data directory ` +
        '(it must contain qwen2.5-tokenizer/vocab.json, merges.txt and added_tokens_decoder.qwen2.5.json)',
    );
  }
  qwen ??= ModelTokenizer.fromJson(readQwen2TokenizerDir(dir));
  return qwen;
}

export interface QwenReferenceCase extends TokenizerCase {
  decoded_keep_special: string;
}

export interface PrefixOnlyCase {
  prefix: string;
  completion: string;
  suffix: string;
  tokens: number[];
  start: number;
  end: number;
  completion_ids: number[];
  scored_ids: number[];
}

export interface QwenReference {
  vocab_size_with_added: number;
  cases: QwenReferenceCase[];
  prefix_only_cases: PrefixOnlyCase[];
}

/** Cases written by tools/export/make_tokenizer_reference.py with transformers' Qwen2TokenizerFast. */
export function qwenReference(): QwenReference {
  const file = join(REPO, 'libs/tokenizer/testdata/qwen2.5-reference.json');
  return JSON.parse(readFileSync(file, 'utf8')) as QwenReference;
}

/** The fixture's manifest.json (fields the tokenizer lib reads). */
export function fixtureManifest(
  model: FixtureModel,
): Pick<ModelManifest, 'name' | 'fim' | 'fim_tokens' | 'stop_ids' | 'special_ids'> {
  return JSON.parse(readFileSync(join(fixtureDir(model), 'manifest.json'), 'utf8')) as ModelManifest;
}
