import { DEFAULT_BACKENDS, parseBackends } from './backends';

describe('parseBackends', () => {
  it('parses the default two backends', () => {
    expect(parseBackends(DEFAULT_BACKENDS)).toEqual([
      { name: 'ar', target: '127.0.0.1:50051' },
      { name: 'diffusion', target: '127.0.0.1:50052' },
    ]);
  });

  it('accepts resolver URIs for replicated backends and tolerates spaces', () => {
    expect(parseBackends(' ar = dns:///ar-server.ns.svc:50051 , big=[::1]:7000')).toEqual([
      { name: 'ar', target: 'dns:///ar-server.ns.svc:50051' },
      { name: 'big', target: '[::1]:7000' },
    ]);
  });

  it('accepts a static list of replica addresses (ipv4:a:port,b:port) as one target', () => {
    expect(parseBackends('ar=ipv4:127.0.0.1:7001,127.0.0.2:7001,diffusion=127.0.0.1:7002')).toEqual([
      { name: 'ar', target: 'ipv4:127.0.0.1:7001,127.0.0.2:7001' },
      { name: 'diffusion', target: '127.0.0.1:7002' },
    ]);
  });

  it.each([
    ['', 'must list at least one backend'],
    ['ar=a:1,b:2', 'only an ipv4: or ipv6: target may list several addresses'],
    ['127.0.0.1:50051', 'entry 1 ("127.0.0.1:50051") must be name=target'],
    ['ar=127.0.0.1', 'entry 1 ("ar=127.0.0.1") has no valid gRPC target'],
    ['ar=a:1,ar=b:2', 'entry 2 ("ar=b:2") repeats the backend name ar'],
    ['AR=a:1', 'must be name=target'],
  ])('rejects %j', (spec, message) => {
    expect(() => parseBackends(spec)).toThrow(message);
  });
});
