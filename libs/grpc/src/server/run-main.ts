/**
 * Runs an app's async main: a failure to start (port in use, bad model directory) becomes one JSON log line on
 * stderr and exit code 1, never an unhandled rejection that leaves a half-started process behind.
 */
export function runMain(appName: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(
      JSON.stringify({
        time: new Date().toISOString(),
        level: 'error',
        app: appName,
        msg: 'failed to start',
        error: message,
      }) + '\n',
    );
    process.exit(1);
  });
}
