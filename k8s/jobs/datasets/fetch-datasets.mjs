// Fills a data directory (argv[2]) with the benchmark datasets, using the project's own loader from the built dist/
// of the working directory (the image's /app): each file is looked for in the directory first (kept when its hash
// is right) and otherwise downloaded into the same layout, sha256-verified. Usage:
//   node fetch-datasets.mjs DIR [DATASET...]        (no DATASET: all of them)
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dir, ...wanted] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node fetch-datasets.mjs DIR [DATASET...]');
  process.exit(2);
}
const entry = pathToFileURL(resolve('dist/libs/evaluation/src/index.js')).href;
const evaluation = (await import(entry)).default;
const names = wanted.length > 0 ? wanted : evaluation.DATASET_NAMES;
for (const name of names) {
  try {
    // The data directory and the download cache are the same folder: the cache uses the data directory's layout.
    const dataset = await evaluation.loadDataset(name, { dataDir: dir, cacheDir: dir });
    console.log(`${name}: ${dataset.tasks.length} tasks, ${dataset.origin}, ${dataset.file}`);
  } catch (error) {
    console.error(`fetch-datasets: ${name}: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
