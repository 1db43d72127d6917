import { join } from 'node:path';
import { ROOT, run } from '../e2e/support/server-process';

interface SoakResult {
  ok: boolean;
  calls: number;
  errors: number;
  memory: Array<{ server: string; growing: boolean }>;
  exits: Array<{ server: string; code: number | null }>;
}

/**
 * The soak script's short mode, as CI runs it: a steady Infill + Score mix against the three built servers.
 * Asserts what must hold however loaded the machine is (no errors, clean stops); throughput, latency and the RSS
 * trend are printed, not asserted (the full-length run, `node scripts/soak.mjs`, judges the trend).
 */
describe('soak (short mode)', () => {
  it('serves a steady mix of Infill and Score calls without a single error, then stops cleanly', async () => {
    const result = await run(
      process.execPath,
      [join(ROOT, 'scripts', 'soak.mjs'), '--seconds', '20', '--json'],
      {
        timeoutMs: 600_000,
      },
    );
    console.log(result.stdout + result.stderr);
    const line = result.stdout.split('\n').find((entry) => entry.startsWith('soak: result '));
    expect(line).toBeDefined();
    const summary = JSON.parse((line as string).slice('soak: result '.length)) as SoakResult;
    expect(summary.calls).toBeGreaterThan(0);
    expect(summary.errors).toBe(0);
    expect(summary.exits).toEqual(summary.exits.map(({ server }) => ({ server, code: 0, signal: null })));
  }, 900_000);
});
