import { LoggerService } from '@nestjs/common';
import type { LogLevel } from '@ensemble/config';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export const MAX_EXCERPT_CHARS = 200;

export type LogFields = Record<string, unknown> & { msg?: string };

/**
 * One JSON object per line on stdout (errors on stderr), the format log collectors in Kubernetes parse without
 * configuration. Accepts Nest's calling convention `(message, ...params, context)` and structured objects.
 */
export class JsonLogger implements LoggerService {
  constructor(
    private readonly app: string,
    private readonly level: LogLevel = 'info',
    private readonly write: (line: string, level: LogLevel) => void = defaultWrite,
  ) {}

  isEnabled(level: LogLevel): boolean {
    return RANK[level] >= RANK[this.level];
  }

  /**
   * Text from outside our code (an error message that may quote a request) as it may be logged: whole at debug
   * level, else its first MAX_EXCERPT_CHARS characters. Prompts are never logged in full unless debugging.
   */
  excerpt(text: string): string {
    if (this.isEnabled('debug') || text.length <= MAX_EXCERPT_CHARS) return text;
    return `${text.slice(0, MAX_EXCERPT_CHARS)}... (${text.length - MAX_EXCERPT_CHARS} more characters)`;
  }

  log(message: unknown, ...params: unknown[]): void {
    this.emit('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.emit('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.emit('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.emit('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.emit('debug', message, params);
  }

  private emit(level: LogLevel, message: unknown, params: unknown[]): void {
    if (!this.isEnabled(level)) return;
    const rest = [...params];
    // Nest appends the context name as the last string argument.
    const context =
      rest.length > 0 && typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const fields: LogFields = isPlainObject(message) ? { ...message } : { msg: stringify(message) };
    // Nest passes an error's stack as the second argument of error().
    if (level === 'error' && rest.length > 0 && typeof rest[0] === 'string' && fields.stack === undefined) {
      fields.stack = rest.shift();
    }
    const record = { time: new Date().toISOString(), level, app: this.app, context, ...fields };
    this.write(JSON.stringify(record, replacer), level);
  }
}

function defaultWrite(line: string, level: LogLevel): void {
  (level === 'error' ? process.stderr : process.stdout).write(line + '\n');
}

function isPlainObject(value: unknown): value is LogFields {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Error);
}

function stringify(value: unknown): string {
  if (value instanceof Error) return value.message;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}
