import { z } from 'zod';

/** Raised when the environment does not describe a valid configuration; the message is one line naming the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Validates environment variables against a zod schema once, at start-up, into a typed object.
 * Every problem is reported (one line, variable by variable) so an operator fixes them in one go.
 */
export function parseConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = issue.path.join('.') || '(environment)';
    const raw = issue.path.length === 1 ? env[String(issue.path[0])] : undefined;
    const got = raw === undefined ? '' : ` (got ${JSON.stringify(raw)})`;
    return `${variable}: ${issue.message}${got}`;
  });
  throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
}

/**
 * For main.ts: parse or stop the process with exit code 2 and a single clear line on stderr
 * (the usage-error convention), instead of a stack trace.
 */
export function loadConfigOrExit<S extends z.ZodType>(
  appName: string,
  schema: S,
  env = process.env,
): z.infer<S> {
  try {
    return parseConfig(schema, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${appName}: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}
