import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { inferCausalManifest } from './infer-manifest';
import { ModelKindName, ModelManifest, manifestSchema } from './manifest';

/** A model directory could not be used; the message names the directory and the file at fault. */
export class ModelDirectoryError extends Error {
  override name = 'ModelDirectoryError';
}

/** A validated model directory: manifest, Hugging Face config, and the paths of the graph and tokenizer. */
export interface ModelDirectory {
  path: string;
  manifest: ModelManifest;
  /** config.json as Hugging Face wrote it. */
  config: Record<string, unknown>;
  graphPath: string;
  tokenizerPath: string;
}

/**
 * Reads and checks a model directory made by tools/export. Everything that can be wrong with it (missing file,
 * bad JSON, wrong kind for this server) is reported here, at start-up, rather than at the first request.
 */
export function openModelDirectory(dir: string, expectedKind: ModelKindName): ModelDirectory {
  const path = resolve(dir);
  if (!existsSync(path)) throw new ModelDirectoryError(`model directory ${path} does not exist`);
  const manifest = existsSync(join(path, 'manifest.json'))
    ? parseManifest(path)
    : inferManifest(path, expectedKind);
  if (manifest.kind !== expectedKind) {
    throw new ModelDirectoryError(
      `model directory ${path} holds a ${manifest.kind} model, but this server serves ${expectedKind} models`,
    );
  }
  const config = readJson(path, 'config.json') as Record<string, unknown>;
  const graphPath = requireFile(path, manifest.graph.file);
  const tokenizerPath = requireFile(path, 'tokenizer.json');
  return { path, manifest, config, graphPath, tokenizerPath };
}

/** Standard optimum / transformers.js exports of causal LMs load as they are; diffusion needs our manifest. */
function inferManifest(dir: string, kind: ModelKindName): ModelManifest {
  if (kind !== 'autoregressive') {
    throw new ModelDirectoryError(
      `model directory ${dir} has no manifest.json; make diffusion model directories with tools/export`,
    );
  }
  const graphFile = ['onnx/model.onnx', 'model.onnx'].find((file) => existsSync(join(dir, file)));
  if (!graphFile) {
    throw new ModelDirectoryError(
      `model directory ${dir} has no manifest.json, onnx/model.onnx or model.onnx`,
    );
  }
  try {
    const tokenizer = readJson(dir, 'tokenizer.json') as Parameters<typeof inferCausalManifest>[3];
    return inferCausalManifest(
      dir,
      graphFile,
      readJson(dir, 'config.json') as Record<string, unknown>,
      tokenizer,
    );
  } catch (error) {
    if (error instanceof ModelDirectoryError) throw error;
    throw new ModelDirectoryError(`model directory ${dir}: ${(error as Error).message}`);
  }
}

function parseManifest(dir: string): ModelManifest {
  const result = manifestSchema.safeParse(readJson(dir, 'manifest.json'));
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ModelDirectoryError(
      `${join(dir, 'manifest.json')}: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
  }
  return result.data;
}

function requireFile(dir: string, name: string): string {
  const file = join(dir, name);
  if (!existsSync(file)) throw new ModelDirectoryError(`model directory ${dir} has no ${name}`);
  return file;
}

function readJson(dir: string, name: string): unknown {
  const file = requireFile(dir, name);
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ModelDirectoryError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}
