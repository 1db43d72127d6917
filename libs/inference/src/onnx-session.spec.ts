import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { findProjectPath } from '@ensemble/config';
import { openModelDirectory } from './model-directory';
import { createSession, warmUp } from './onnx-session';

describe('onnxruntime sessions on the bundled fixtures', () => {
  it.each([
    ['tiny-ar', 'autoregressive'],
    ['tiny-diffusion', 'diffusion'],
  ] as const)(
    '%s loads on the CPU provider, exposes its manifest I/O and survives a warm-up forward',
    async (name, kind) => {
      const directory = openModelDirectory(findProjectPath(`test/fixtures/models/${name}`) as string, kind);
      const session = await createSession(directory.graphPath, {
        provider: 'cpu',
        intraOpThreads: 1,
        interOpThreads: 1,
      });
      try {
        expect([...session.inputNames].sort()).toEqual([...directory.manifest.graph.inputs].sort());
        expect([...session.outputNames].sort()).toEqual([...directory.manifest.graph.outputs].sort());
        await expect(warmUp(session, directory.manifest)).resolves.toBeUndefined();
      } finally {
        await session.release();
      }
    },
  );

  it('says which file could not be loaded', async () => {
    await expect(
      createSession('/nonexistent/model.onnx', { provider: 'cpu', intraOpThreads: 0, interOpThreads: 0 }),
    ).rejects.toThrow('cannot load ONNX graph /nonexistent/model.onnx');
  });

  it('uses CUDA only when asked, and explains how to get it when its provider library is missing', async () => {
    const dir = findProjectPath('test/fixtures/models/tiny-ar') as string;
    const graph = openModelDirectory(dir, 'autoregressive').graphPath;
    const options = { provider: 'cuda', intraOpThreads: 0, interOpThreads: 0 } as const;
    if (cudaProviderInstalled()) {
      const session = await createSession(graph, options);
      await session.release();
      return;
    }
    await expect(createSession(graph, options)).rejects.toThrow(
      'ORT_EXECUTION_PROVIDER=cuda, but onnxruntime-node could not start the CUDA provider',
    );
  });
});

/** onnxruntime-node's install step places the CUDA provider next to its binding on GPU hosts only. */
function cudaProviderInstalled(): boolean {
  const binding = dirname(require.resolve('onnxruntime-node/package.json'));
  return existsSync(join(binding, 'bin', 'napi-v6', 'linux', 'x64', 'libonnxruntime_providers_cuda.so'));
}
