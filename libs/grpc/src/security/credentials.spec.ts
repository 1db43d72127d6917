import { createServer } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { health, HEALTH_SERVICE } from '@ensemble/proto';
import { makeTestPki, TestPki } from '../../../../test/security/support/certificates';
import { createClient, unaryCall } from '../client/grpc-client';
import { HealthService } from '../health/health.service';
import { clientCredentials, serverCredentials } from './credentials';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A bare grpc-js server with the health service, bound with the credentials under test. */
async function healthServer(
  credentials: grpc.ServerCredentials,
): Promise<{ server: grpc.Server; target: string }> {
  const server = new grpc.Server();
  const service = new HealthService([]);
  service.markServing();
  service.addToServer(server);
  const port = await freePort();
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, credentials, (error) => (error ? reject(error) : resolve())),
  );
  return { server, target: `127.0.0.1:${port}` };
}

async function check(target: string, credentials: grpc.ChannelCredentials): Promise<string> {
  const client = createClient(HEALTH_SERVICE, target, {}, credentials);
  try {
    const response = await unaryCall<health.HealthCheckResponse>(client, 'Check', {}, { timeoutMs: 3000 });
    return response.status === health.HealthCheckResponse_ServingStatus.SERVING ? 'SERVING' : 'NOT_SERVING';
  } catch (error) {
    return grpc.status[(error as grpc.ServiceError).code];
  } finally {
    client.close();
  }
}

describe('server and client credentials', () => {
  let pki: TestPki;
  beforeAll(async () => (pki = await makeTestPki()));
  afterAll(() => pki?.remove());

  it('TLS: a client trusting the CA connects; plaintext, the wrong CA and the wrong name do not', async () => {
    const { server, target } = await healthServer(
      serverCredentials({ certFile: pki.server.cert, keyFile: pki.server.key, clientCaFile: undefined }),
    );
    try {
      expect(await check(target, clientCredentials({ caFile: pki.ca }))).toBe('SERVING');
      expect(await check(target, clientCredentials({ caFile: pki.ca, serverName: 'localhost' }))).toBe(
        'SERVING',
      );
      expect(await check(target, clientCredentials({ plaintext: true }))).toBe('UNAVAILABLE');
      expect(await check(target, clientCredentials({ caFile: pki.untrustedCa }))).toBe('UNAVAILABLE');
      expect(
        await check(target, clientCredentials({ caFile: pki.ca, serverName: 'ar-server.example' })),
      ).toBe('UNAVAILABLE');
    } finally {
      server.forceShutdown();
    }
  });

  it('mutual TLS: only a client certificate signed by the client CA gets through', async () => {
    const { server, target } = await healthServer(
      serverCredentials({ certFile: pki.server.cert, keyFile: pki.server.key, clientCaFile: pki.ca }),
    );
    try {
      const withCert = { caFile: pki.ca, certFile: pki.client.cert, keyFile: pki.client.key };
      expect(await check(target, clientCredentials(withCert))).toBe('SERVING');
      expect(await check(target, clientCredentials({ caFile: pki.ca }))).toBe('UNAVAILABLE');
      const rogue = { caFile: pki.ca, certFile: pki.untrustedClient.cert, keyFile: pki.untrustedClient.key };
      expect(await check(target, clientCredentials(rogue))).toBe('UNAVAILABLE');
    } finally {
      server.forceShutdown();
    }
  });

  it('refuses contradictory or incomplete options, naming the problem', () => {
    expect(() => clientCredentials({ plaintext: true, token: 'x'.repeat(20) })).toThrow(
      'plaintext credentials take no TLS files, server name or token',
    );
    expect(() => clientCredentials({ certFile: pki.client.cert })).toThrow(
      'a client certificate needs both certFile and keyFile',
    );
    expect(() => clientCredentials({ caFile: '/nonexistent/ca.pem' })).toThrow(
      'cannot read the CA file /nonexistent/ca.pem: ENOENT',
    );
  });
});
