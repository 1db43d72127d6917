import { z } from 'zod';
import { boolean, oneOf, port } from './fields';
import { ConfigError, parseConfig } from './load-config';
import { serverConfigSchema, toServerConfig } from './server-config';

describe('parseConfig', () => {
  const schema = serverConfigSchema({ grpcPort: 50051, metricsPort: 9091 });

  it('applies the app defaults when nothing is set', () => {
    const config = toServerConfig(parseConfig(schema, {}));
    expect(config).toEqual({
      host: '0.0.0.0',
      grpcPort: 50051,
      metricsPort: 9091,
      logLevel: 'info',
      maxMessageBytes: 16 * 1024 * 1024,
      reflection: true,
      shutdownGraceMs: 10_000,
    });
  });

  it('reads and converts the variables', () => {
    const config = toServerConfig(
      parseConfig(schema, {
        GRPC_PORT: '6000',
        METRICS_PORT: '0',
        LOG_LEVEL: 'DEBUG',
        GRPC_REFLECTION: 'off',
      }),
    );
    expect(config.grpcPort).toBe(6000);
    expect(config.metricsPort).toBe(0);
    expect(config.logLevel).toBe('debug');
    expect(config.reflection).toBe(false);
  });

  it('names every bad variable, its expectation and the value received, on one line', () => {
    const attempt = () => parseConfig(schema, { GRPC_PORT: 'abc', LOG_LEVEL: 'loud' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).not.toContain('\n');
      expect(message).toContain('GRPC_PORT: expected an integer between 1 and 65535 (got "abc")');
      expect(message).toContain('LOG_LEVEL: expected one of debug, info, warn, error (got "loud")');
    }
  });

  it('rejects out-of-range integers and unknown booleans', () => {
    const custom = z.object({ P: port(1), B: boolean(false), M: oneOf(['a', 'b'] as const, 'a') });
    expect(() => parseConfig(custom, { P: '70000' })).toThrow(
      'P: expected an integer between 1 and 65535 (got "70000")',
    );
    expect(() => parseConfig(custom, { P: '1.5' })).toThrow('expected an integer');
    expect(() => parseConfig(custom, { B: 'maybe' })).toThrow('B: expected true or false (got "maybe")');
    expect(parseConfig(custom, { M: ' B ' }).M).toBe('b');
  });
});
