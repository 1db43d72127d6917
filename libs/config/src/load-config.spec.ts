import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { makeTestPki, TestPki } from '../../../test/security/support/certificates';
import { boolean, oneOf, port } from './fields';
import { ConfigError, parseConfig } from './load-config';
import { serverConfigSchema, toServerConfig } from './server-config';

describe('parseConfig', () => {
  const schema = serverConfigSchema({ grpcPort: 50051, metricsPort: 9091 });

  it('applies the app defaults when only plaintext is chosen', () => {
    const config = toServerConfig(parseConfig(schema, { ALLOW_PLAINTEXT: 'true' }));
    expect(config).toEqual({
      host: '0.0.0.0',
      grpcPort: 50051,
      metricsPort: 9091,
      logLevel: 'info',
      maxMessageBytes: 4 * 1024 * 1024,
      reflection: true,
      shutdownGraceMs: 10_000,
      tls: undefined,
      healthPort: 0,
      maxConcurrentRequests: 256,
      maxConcurrentPerClient: 0,
      maxConnectionAgeMs: 300_000,
    });
  });

  it('reads and converts the variables', () => {
    const config = toServerConfig(
      parseConfig(schema, {
        ALLOW_PLAINTEXT: 'true',
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
    const attempt = () =>
      parseConfig(schema, { ALLOW_PLAINTEXT: 'true', GRPC_PORT: 'abc', LOG_LEVEL: 'loud' });
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

describe('transport security settings', () => {
  const schema = serverConfigSchema({ grpcPort: 50051, metricsPort: 9091 });
  const parse = (env: Record<string, string>) => toServerConfig(parseConfig(schema, env));
  let pki: TestPki;

  beforeAll(async () => (pki = await makeTestPki()));
  afterAll(() => pki?.remove());

  it('refuses to start without TLS unless plaintext is chosen explicitly', () => {
    expect(() => parse({})).toThrow(
      'invalid configuration: TLS_CERT_FILE: is required (with TLS_KEY_FILE) unless ALLOW_PLAINTEXT=true',
    );
    expect(() => parse({ ALLOW_PLAINTEXT: 'false' })).toThrow('TLS_CERT_FILE: is required');
    expect(parse({ ALLOW_PLAINTEXT: 'true' }).tls).toBeUndefined();
  });

  it('takes TLS files, mutual when a client CA is set; TLS wins over the plaintext permission', () => {
    const files = { TLS_CERT_FILE: pki.server.cert, TLS_KEY_FILE: pki.server.key };
    expect(parse(files).tls).toEqual({
      certFile: pki.server.cert,
      keyFile: pki.server.key,
      clientCaFile: undefined,
    });
    expect(parse({ ...files, TLS_CLIENT_CA_FILE: pki.ca }).tls?.clientCaFile).toBe(pki.ca);
    expect(parse({ ...files, ALLOW_PLAINTEXT: 'true' }).tls?.certFile).toBe(pki.server.cert);
  });

  it('rejects incomplete, mismatched, unreadable or non-PEM files, naming the variable', () => {
    const missing = join(pki.dir, 'missing.pem');
    const cases: Array<[Record<string, string>, string]> = [
      [{ TLS_CERT_FILE: pki.server.cert }, 'TLS_KEY_FILE: must be set together with TLS_CERT_FILE'],
      [{ TLS_KEY_FILE: pki.server.key }, 'TLS_CERT_FILE: must be set together with TLS_KEY_FILE'],
      [
        { TLS_CERT_FILE: pki.server.cert, TLS_KEY_FILE: pki.client.key },
        'TLS_KEY_FILE: does not hold the private key of the certificate in TLS_CERT_FILE',
      ],
      [
        { TLS_CERT_FILE: pki.server.key, TLS_KEY_FILE: pki.server.key },
        `TLS_CERT_FILE: ${pki.server.key} holds no PEM certificate`,
      ],
      [
        { TLS_CERT_FILE: missing, TLS_KEY_FILE: pki.server.key },
        `TLS_CERT_FILE: cannot read ${missing}: ENOENT`,
      ],
      [
        { ALLOW_PLAINTEXT: 'true', TLS_CLIENT_CA_FILE: pki.ca },
        'TLS_CLIENT_CA_FILE: needs TLS_CERT_FILE and TLS_KEY_FILE',
      ],
    ];
    for (const [env, message] of cases) expect(() => parse(env)).toThrow(message);
  });

  it('reads REFLECTION_ENABLED as GRPC_REFLECTION and refuses the two disagreeing', () => {
    expect(parse({ ALLOW_PLAINTEXT: 'true', REFLECTION_ENABLED: 'false' }).reflection).toBe(false);
    expect(parse({ ALLOW_PLAINTEXT: 'true', GRPC_REFLECTION: 'false' }).reflection).toBe(false);
    expect(() =>
      parse({ ALLOW_PLAINTEXT: 'true', GRPC_REFLECTION: 'true', REFLECTION_ENABLED: 'false' }),
    ).toThrow('REFLECTION_ENABLED: contradicts GRPC_REFLECTION; set only one of them');
  });

  it('refuses a file that is not PEM', () => {
    const junk = join(pki.dir, 'junk.pem');
    writeFileSync(junk, 'not a certificate');
    expect(() => parse({ TLS_CERT_FILE: junk, TLS_KEY_FILE: pki.server.key })).toThrow(
      `TLS_CERT_FILE: ${junk} holds no PEM certificate`,
    );
  });
});
