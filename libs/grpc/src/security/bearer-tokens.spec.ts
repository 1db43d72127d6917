import { Metadata, status } from '@grpc/grpc-js';
import { BearerTokenAuthenticator, parseBearerTokens } from './bearer-tokens';
import { bearerMetadata } from './credentials';

const A = 'a'.repeat(20) + '-first';
const B = 'Zm9vYmFyYmF6cXV4cXV1eA==';

function metadata(values: Record<string, string | string[]>): Metadata {
  const m = new Metadata();
  for (const [key, value] of Object.entries(values)) {
    for (const v of Array.isArray(value) ? value : [value]) m.add(key, v);
  }
  return m;
}

describe('parseBearerTokens', () => {
  it('reads one token per line, skipping blanks and comments', () => {
    expect(parseBearerTokens(`# clients\n${A}\n\n  ${B}  \r\n# old one removed\n`)).toEqual([A, B]);
  });

  it.each([
    ['', 'holds no token'],
    ['# only a comment\n', 'holds no token'],
    [`${A}\nshort\n`, 'line 2: a token must have at least 16 characters'],
    [`${A} with space\n`, 'line 1: a token may only use'],
  ])('rejects %j without quoting the token', (text, message) => {
    expect(() => parseBearerTokens(text)).toThrow(message);
    try {
      parseBearerTokens(text);
    } catch (error) {
      expect((error as Error).message).not.toContain(A);
    }
  });
});

describe('BearerTokenAuthenticator', () => {
  const auth = new BearerTokenAuthenticator([A, B]);
  const rejection = (m: Metadata) => {
    try {
      auth.authenticate(m);
    } catch (error) {
      return error as { code: number; message: string };
    }
    throw new Error('expected UNAUTHENTICATED');
  };

  it('accepts each configured token, naming the client by its position, case-insensitive scheme', () => {
    expect(auth.authenticate(metadata(bearerMetadata(A)))).toBe('token#1');
    expect(auth.authenticate(metadata({ authorization: `bearer ${B}` }))).toBe('token#2');
  });

  it.each([
    [{}, 'missing credentials: send metadata "authorization: Bearer <token>"'],
    [{ authorization: A }, 'malformed authorization metadata'],
    [{ authorization: `Basic ${B}` }, 'malformed authorization metadata'],
    [{ authorization: [`Bearer ${A}`, `Bearer ${B}`] }, 'malformed authorization metadata'],
    [{ authorization: `Bearer ${A}x` }, 'invalid bearer token'],
    [{ authorization: `Bearer ${A.slice(0, -1)}` }, 'invalid bearer token'],
  ])('refuses %j with UNAUTHENTICATED, never echoing what was sent', (values, message) => {
    const error = rejection(metadata(values));
    expect(error.code).toBe(status.UNAUTHENTICATED);
    expect(error.message).toContain(message);
    expect(error.message).not.toContain(A.slice(0, 16));
  });
});
