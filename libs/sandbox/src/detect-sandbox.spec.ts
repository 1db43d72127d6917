import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectSandbox } from './detect-sandbox';
import { PythonSandbox } from './python-sandbox';
import { SandboxUnavailableError } from './sandbox-unavailable-error';

/** Runs `fn` expecting a SandboxUnavailableError and returns it. */
async function unavailable(fn: () => Promise<unknown>): Promise<SandboxUnavailableError> {
  const error = await fn().then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(SandboxUnavailableError);
  return error as SandboxUnavailableError;
}

describe('detectSandbox', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sandbox-detect-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the system tools and proves a real sandboxed run works', async () => {
    const detection = await detectSandbox();
    expect(detection.tools).toEqual({
      bwrap: expect.stringMatching(/^\/usr\/s?bin\/bwrap$|^\/s?bin\/bwrap$/),
      setpriv: expect.stringMatching(/\/setpriv$/),
      prlimit: expect.stringMatching(/\/prlimit$/),
      python3: expect.stringMatching(/^\/(usr\/)?s?bin\/python3$/),
    });
    expect(detection.pythonVersion).toMatch(/^3\.\d+\.\d+/);
  });

  it('names a missing bwrap and how to install it, and never falls back to unsandboxed', async () => {
    // A search path holding every tool except bwrap.
    for (const tool of ['setpriv', 'prlimit', 'python3']) symlinkSync(`/usr/bin/${tool}`, join(dir, tool));
    const error = await unavailable(() => PythonSandbox.create({ searchPath: dir }));
    expect(error.problems).toEqual([`bwrap not found (looked in ${dir}; it is in the bubblewrap package)`]);
    expect(error.message).toContain('apt-get install bubblewrap util-linux python3');
    expect(error.message).toContain(
      '--unsafe-no-sandbox exists only for containers that are themselves the sandbox',
    );
  });

  it('names an explicitly given tool path that does not exist', async () => {
    const error = await unavailable(() => detectSandbox({ tools: { bwrap: join(dir, 'no-bwrap') } }));
    expect(error.message).toContain(`bwrap not found (looked in ${join(dir, 'no-bwrap')}`);
  });

  it('fails when the tools exist but a sandboxed run does not work (e.g. namespaces disabled)', async () => {
    const fakeBwrap = join(dir, 'bwrap');
    writeFileSync(
      fakeBwrap,
      "#!/bin/sh\necho 'bwrap: No permissions to create new namespace, likely because the kernel does not allow " +
        "non-privileged user namespaces.' >&2\nexit 1\n",
    );
    chmodSync(fakeBwrap, 0o755);
    const error = await unavailable(() => detectSandbox({ tools: { bwrap: fakeBwrap } }));
    expect(error.message).toContain(
      'a trivial sandboxed run failed: bwrap: No permissions to create new namespace, likely because the kernel ' +
        'does not allow non-privileged user namespaces.',
    );
    expect(error.message).toContain('apt-get install bubblewrap util-linux python3');
    expect(error.message).toContain('--unsafe-no-sandbox');
  });

  it('refuses a python3 outside /usr (invisible inside the sandbox), e.g. a pyenv shim', async () => {
    const outside = join(dir, 'python3');
    writeFileSync(outside, '#!/bin/sh\nexec /usr/bin/python3 "$@"\n');
    chmodSync(outside, 0o755);
    const error = await unavailable(() => detectSandbox({ tools: { python3: outside } }));
    expect(error.message).toContain(`python3 at ${outside} resolves to ${outside}, outside /usr`);
  });
});
