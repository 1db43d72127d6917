import { buildCli } from './cli';
import { RunUsageError } from './run/run-benchmark';

buildCli()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof RunUsageError ? 2 : 1);
  });
