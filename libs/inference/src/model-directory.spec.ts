import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findProjectPath } from '@ensemble/config';
import { ModelDirectoryError, openModelDirectory } from './model-directory';
import { createSession } from './onnx-session';
import { reconcileWithGraph } from './reconcile-graph';

const tinyAr = findProjectPath('test/fixtures/models/tiny-ar') as string;

describe('openModelDirectory', () => {
  let scratch: string;
  beforeEach(() => (scratch = mkdtempSync(join(tmpdir(), 'model-dir-'))));
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  function copyOfTinyAr(): string {
    const dir = join(scratch, 'tiny-ar');
    cpSync(tinyAr, dir, { recursive: true });
    return dir;
  }

  it('opens the bundled autoregressive fixture', () => {
    const directory = openModelDirectory(tinyAr, 'autoregressive');
    const manifest = JSON.parse(readFileSync(join(tinyAr, 'manifest.json'), 'utf8'));
    expect(directory.manifest.name).toBe(manifest.name);
    expect(directory.manifest.graph.convention).toBe('causal-kv-v1');
    expect(directory.graphPath).toBe(join(tinyAr, manifest.graph.file));
    expect(directory.config.model_type).toBe('qwen2');
  });

  it('infers the manifest of a standard optimum / transformers.js export (onnx/model.onnx, no manifest.json)', async () => {
    const dir = copyOfTinyAr();
    const written = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    rmSync(join(dir, 'manifest.json'));
    mkdirSync(join(dir, 'onnx'));
    renameSync(join(dir, 'model.onnx'), join(dir, 'onnx', 'model.onnx'));

    const directory = openModelDirectory(dir, 'autoregressive');
    const session = await createSession(directory.graphPath, {
      provider: 'cpu',
      intraOpThreads: 1,
      interOpThreads: 1,
    });
    const manifest = reconcileWithGraph(directory.manifest, session);
    await session.release();
    // What tools/export wrote for the same model is the reference.
    for (const field of [
      'kind',
      'dtype',
      'vocab_size',
      'context_length',
      'special_ids',
      'fim',
      'fim_tokens',
      'stop_ids',
      'logits_shift',
    ]) {
      expect([field, manifest[field as keyof typeof manifest]]).toEqual([field, written[field]]);
    }
    expect(manifest.graph).toEqual({ ...written.graph, file: 'onnx/model.onnx' });
  });

  it('refuses a manifest that does not match its graph', async () => {
    const directory = openModelDirectory(tinyAr, 'autoregressive');
    const session = await createSession(directory.graphPath, {
      provider: 'cpu',
      intraOpThreads: 1,
      interOpThreads: 1,
    });
    try {
      const wrong = { ...directory.manifest, graph: { ...directory.manifest.graph, num_layers: 24 } };
      expect(() => reconcileWithGraph(wrong, session)).toThrow('manifest says 24 layers but the graph has 2');
      const diffusionConvention = {
        ...directory.manifest,
        graph: { ...directory.manifest.graph, convention: 'bidirectional-gather-v1' as const },
      };
      expect(() => reconcileWithGraph(diffusionConvention, session)).toThrow(
        'does not follow bidirectional-gather-v1: no input logits_rows',
      );
    } finally {
      await session.release();
    }
  });

  it('refuses a directory of the other kind', () => {
    expect(() => openModelDirectory(tinyAr, 'diffusion')).toThrow(
      'holds a autoregressive model, but this server serves diffusion models',
    );
  });

  it.each([
    ['missing directory', (dir: string) => rmSync(dir, { recursive: true }), 'does not exist'],
    [
      'missing manifest and graph',
      (dir: string) => ['manifest.json', 'model.onnx'].forEach((file) => rmSync(join(dir, file))),
      'has no manifest.json, onnx/model.onnx or model.onnx',
    ],
    ['missing graph', (dir: string) => rmSync(join(dir, 'model.onnx')), 'has no model.onnx'],
    [
      'missing config',
      (dir: string) => ['manifest.json', 'config.json'].forEach((file) => rmSync(join(dir, file))),
      'has no config.json',
    ],
    ['missing tokenizer', (dir: string) => rmSync(join(dir, 'tokenizer.json')), 'has no tokenizer.json'],
    [
      'broken JSON',
      (dir: string) => writeFileSync(join(dir, 'config.json'), '{'),
      'config.json is not valid JSON',
    ],
    [
      'manifest field of the wrong type',
      (dir: string) => {
        const file = join(dir, 'manifest.json');
        const manifest = JSON.parse(readFileSync(file, 'utf8'));
        manifest.graph.num_layers = 'two';
        writeFileSync(file, JSON.stringify(manifest));
      },
      'manifest.json: graph.num_layers:',
    ],
  ])('reports a %s with the file at fault', (_case, damage, message) => {
    const dir = copyOfTinyAr();
    damage(dir);
    expect(() => openModelDirectory(dir, 'autoregressive')).toThrow(ModelDirectoryError);
    expect(() => openModelDirectory(dir, 'autoregressive')).toThrow(message);
  });
});
