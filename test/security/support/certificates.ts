import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM files made for one test run; keys exist only in a temporary directory, never in the repository. */
export interface TestPki {
  dir: string;
  ca: string;
  server: { cert: string; key: string };
  /** Signed by `ca`, for mutual TLS (the orchestrator's identity towards its backends, or a test client). */
  client: { cert: string; key: string };
  /** A second CA nobody trusts, and a client and a server certificate it signed. */
  untrustedCa: string;
  untrustedClient: { cert: string; key: string };
  untrustedServer: { cert: string; key: string };
  remove(): void;
}

function openssl(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`openssl ${args[0]} failed (${code}): ${stderr}`)),
    );
  });
}

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function makeCa(dir: string, name: string): Promise<void> {
  await openssl(
    [
      'req',
      '-x509',
      ...KEY,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
}

async function makeLeaf(
  dir: string,
  name: string,
  ca: string,
  usage: 'serverAuth' | 'clientAuth',
): Promise<void> {
  const san = usage === 'serverAuth' ? ['-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'] : [];
  await openssl(
    [
      'req',
      '-x509',
      ...KEY,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-CA',
      `${ca}.crt`,
      '-CAkey',
      `${ca}.key`,
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:FALSE',
      '-addext',
      `extendedKeyUsage=${usage}`,
      ...san,
    ],
    dir,
  );
}

/**
 * A CA with a server certificate (SAN 127.0.0.1 and localhost) and a client certificate, plus an untrusted CA
 * with its own client and server certificates, made with the openssl CLI.
 */
export async function makeTestPki(): Promise<TestPki> {
  const dir = mkdtempSync(join(tmpdir(), 'ensemble-pki-'));
  await Promise.all([makeCa(dir, 'ca'), makeCa(dir, 'untrusted-ca')]);
  await Promise.all([
    makeLeaf(dir, 'server', 'ca', 'serverAuth'),
    makeLeaf(dir, 'client', 'ca', 'clientAuth'),
    makeLeaf(dir, 'untrusted-client', 'untrusted-ca', 'clientAuth'),
    makeLeaf(dir, 'untrusted-server', 'untrusted-ca', 'serverAuth'),
  ]);
  const pair = (name: string) => ({ cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) });
  return {
    dir,
    ca: join(dir, 'ca.crt'),
    server: pair('server'),
    client: pair('client'),
    untrustedCa: join(dir, 'untrusted-ca.crt'),
    untrustedClient: pair('untrusted-client'),
    untrustedServer: pair('untrusted-server'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
