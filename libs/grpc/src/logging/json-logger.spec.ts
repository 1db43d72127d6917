import { JsonLogger } from './json-logger';

function capture(level: 'debug' | 'info' | 'warn' | 'error' = 'info') {
  const lines: Array<{ line: Record<string, unknown>; level: string }> = [];
  const logger = new JsonLogger('test-app', level, (line, lineLevel) =>
    lines.push({ line: JSON.parse(line), level: lineLevel }),
  );
  return { logger, lines };
}

describe('JsonLogger', () => {
  it('writes one JSON object per call with app, level, context and message', () => {
    const { logger, lines } = capture();
    logger.log('Nest microservice successfully started', 'NestMicroservice');
    expect(lines).toHaveLength(1);
    expect(lines[0].line).toMatchObject({
      level: 'info',
      app: 'test-app',
      context: 'NestMicroservice',
      msg: 'Nest microservice successfully started',
    });
    expect(Date.parse(String(lines[0].line.time))).not.toBeNaN();
  });

  it('spreads structured fields', () => {
    const { logger, lines } = capture();
    logger.warn({ msg: 'slow', requestId: 'r1', durationMs: 12.5 }, 'rpc');
    expect(lines[0].line).toMatchObject({
      level: 'warn',
      msg: 'slow',
      requestId: 'r1',
      durationMs: 12.5,
      context: 'rpc',
    });
  });

  it('keeps the stack Nest passes to error()', () => {
    const { logger, lines } = capture();
    logger.error('boom', 'Error: boom\n    at x', 'ExceptionHandler');
    expect(lines[0]).toMatchObject({
      level: 'error',
      line: { msg: 'boom', stack: 'Error: boom\n    at x', context: 'ExceptionHandler' },
    });
  });

  it('drops messages below the configured level', () => {
    const { logger, lines } = capture('warn');
    logger.log('hidden');
    logger.debug('hidden');
    logger.error('shown');
    expect(lines.map((entry) => entry.line.msg)).toEqual(['shown']);
  });

  it('logs foreign text (error messages that may quote a request) as an excerpt unless debugging', () => {
    const long = `prompt: ${'x'.repeat(1000)}`;
    const excerpt = new JsonLogger('test', 'info', () => undefined).excerpt(long);
    expect(excerpt.length).toBeLessThan(260);
    expect(excerpt).toMatch(/^prompt: x+\.\.\. \(808 more characters\)$/);
    expect(new JsonLogger('test', 'debug', () => undefined).excerpt(long)).toBe(long);
  });
});
