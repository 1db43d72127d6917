import { ResourceExhaustedError } from '../errors/grpc-errors';

export interface ConcurrencyLimits {
  /** Calls in flight on the server; 0: unlimited. */
  maxTotal: number;
  /** Calls in flight per client identity; 0: unlimited. */
  maxPerClient: number;
}

/**
 * Admission of calls: a server-wide and a per-client ceiling on calls in flight. A call over either is refused
 * at once with RESOURCE_EXHAUSTED naming the limit (no queue: the client decides whether and when to retry).
 */
export class ConcurrencyLimiter {
  private total = 0;
  private readonly perClient = new Map<string, number>();

  constructor(private readonly limits: ConcurrencyLimits) {}

  /** Admits a call of `client` or throws; the returned release must be called exactly once when the call ends. */
  acquire(client: string): () => void {
    const { maxTotal, maxPerClient } = this.limits;
    const mine = this.perClient.get(client) ?? 0;
    if (maxPerClient > 0 && mine >= maxPerClient) {
      throw new ResourceExhaustedError(
        `too many concurrent calls from this client: ${mine} in flight, the limit is ${maxPerClient} ` +
          '(MAX_CONCURRENT_PER_CLIENT); retry when one has finished',
      );
    }
    if (maxTotal > 0 && this.total >= maxTotal) {
      throw new ResourceExhaustedError(
        `the server is at its limit of ${maxTotal} concurrent calls (MAX_CONCURRENT_REQUESTS); retry later`,
      );
    }
    this.total++;
    this.perClient.set(client, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.perClient.get(client) ?? 1) - 1;
      if (left > 0) this.perClient.set(client, left);
      else this.perClient.delete(client);
    };
  }

  inFlight(client?: string): number {
    return client === undefined ? this.total : (this.perClient.get(client) ?? 0);
  }
}

/**
 * The client part of a grpc-js peer string ("127.0.0.1:5000", "[::1]:5000", "ipv4:..." variants): the port is
 * dropped, because every new connection of the same client gets a new one.
 */
export function peerHost(peer: string): string {
  const address = peer.replace(/^ipv[46]:/, '');
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) return bracketed[1];
  const hostPort = /^([^:]+):\d+$/.exec(address);
  return hostPort ? hostPort[1] : address;
}
