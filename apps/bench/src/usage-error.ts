/** Something the user must fix in the command line or the folders given (exit code 2, no stack trace). */
export class UsageError extends Error {
  override name = 'UsageError';
}
