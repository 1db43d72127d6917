import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findProjectPath } from '@ensemble/config';
import { ModelDirectoryError, openModelDirectory } from './model-directory';

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

  it('refuses a directory of the other kind', () => {
    expect(() => openModelDirectory(tinyAr, 'diffusion')).toThrow(
      'holds a autoregressive model, but this server serves diffusion models',
    );
  });

  it.each([
    ['missing directory', (dir: string) => rmSync(dir, { recursive: true }), 'does not exist'],
    ['missing manifest', (dir: string) => rmSync(join(dir, 'manifest.json')), 'has no manifest.json'],
    ['missing graph', (dir: string) => rmSync(join(dir, 'model.onnx')), 'has no model.onnx'],
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
