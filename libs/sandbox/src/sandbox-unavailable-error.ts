/** Install command for everything the sandbox needs on Debian/Ubuntu. */
export const SANDBOX_INSTALL_HINT = 'apt-get install bubblewrap util-linux python3';

const UNSAFE_NOTE =
  'Untrusted code is never run unsandboxed by default; --unsafe-no-sandbox exists only for containers ' +
  'that are themselves the sandbox (disposable, no network, no secrets).';

/** The sandbox cannot be used here; the message says what is missing and how to fix it. */
export class SandboxUnavailableError extends Error {
  override name = 'SandboxUnavailableError';

  constructor(
    /** Each concrete problem found, e.g. "bwrap not found (looked in /usr/bin)". */
    readonly problems: readonly string[],
    fix: string = `Install the tools with \`${SANDBOX_INSTALL_HINT}\` (bwrap is in bubblewrap, setpriv and prlimit in util-linux).`,
  ) {
    super(`Python sandbox unavailable: ${problems.join('; ')}. ${fix} ${UNSAFE_NOTE}`);
  }
}
