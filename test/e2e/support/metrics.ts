import type { ServerProcess } from './server-process';

/** Sum of ensemble_forward_passes_total over kinds, read from the server's Prometheus endpoint. */
export async function forwardPasses(server: ServerProcess): Promise<number> {
  const body = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
  return body
    .split('\n')
    .filter((line) => line.startsWith('ensemble_forward_passes_total{'))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

/** The forward count once it stops moving (nothing is being computed any more). */
export async function settledForwardPasses(server: ServerProcess): Promise<number> {
  let previous = await forwardPasses(server);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const current = await forwardPasses(server);
    if (current === previous) return current;
    previous = current;
  }
}
