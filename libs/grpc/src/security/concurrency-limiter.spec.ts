import { status } from '@grpc/grpc-js';
import { ConcurrencyLimiter, peerHost } from './concurrency-limiter';

describe('ConcurrencyLimiter', () => {
  it('refuses a client over its own limit with RESOURCE_EXHAUSTED naming the limit, others still pass', () => {
    const limiter = new ConcurrencyLimiter({ maxTotal: 0, maxPerClient: 2 });
    const releases = [limiter.acquire('a'), limiter.acquire('a')];
    expect(() => limiter.acquire('a')).toThrow(
      expect.objectContaining({
        code: status.RESOURCE_EXHAUSTED,
        message: expect.stringContaining('2 in flight, the limit is 2 (MAX_CONCURRENT_PER_CLIENT)'),
      }),
    );
    expect(() => limiter.acquire('b')).not.toThrow();
    releases[0]();
    releases[0](); // a second release of the same call changes nothing
    expect(limiter.inFlight('a')).toBe(1);
    expect(() => limiter.acquire('a')).not.toThrow();
  });

  it('refuses anyone once the server-wide limit is reached, and forgets idle clients', () => {
    const limiter = new ConcurrencyLimiter({ maxTotal: 2, maxPerClient: 0 });
    const first = limiter.acquire('a');
    limiter.acquire('b');
    expect(() => limiter.acquire('c')).toThrow('the server is at its limit of 2 concurrent calls');
    first();
    expect(limiter.inFlight()).toBe(1);
    expect(limiter.inFlight('a')).toBe(0);
    expect(() => limiter.acquire('c')).not.toThrow();
  });
});

describe('peerHost', () => {
  it.each([
    ['127.0.0.1:54321', '127.0.0.1'],
    ['ipv4:10.0.0.7:50051', '10.0.0.7'],
    ['[::1]:4000', '::1'],
    ['ipv6:[fe80::1]:4000', 'fe80::1'],
    ['unix:/tmp/socket', 'unix:/tmp/socket'],
    ['unknown', 'unknown'],
  ])('%s -> %s', (peer, host) => expect(peerHost(peer)).toBe(host));
});
