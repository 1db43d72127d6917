import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  allContainers,
  imageName,
  imageTag,
  KUSTOMIZATIONS,
  podTemplates,
  productionSources,
  REPO,
  render,
  requireKubectl,
} from './support/render';

// docker/Dockerfile cannot be built where these tests run (no container engine), so they check what can be checked
// without building: every path it copies exists and is in the build context, the entry points it and the manifests
// name are what `npm run build` produces, the onnxruntime-node install flavour exists, and the manifests use exactly
// the images docker/build.sh makes.

const DOCKERFILE = join(REPO, 'docker/Dockerfile');

interface Instruction {
  keyword: string;
  args: string;
  stage: string;
}

/** Dockerfile instructions with continuation lines joined and comments dropped, tagged with their stage name. */
function instructions(): Instruction[] {
  const lines = readFileSync(DOCKERFILE, 'utf8')
    .split('\n')
    .filter((line) => !/^\s*#/.test(line));
  const joined = lines.join('\n').replace(/\\\n/g, ' ');
  const result: Instruction[] = [];
  let stage = '';
  for (const line of joined.split('\n')) {
    const match = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const [, keyword, args] = match;
    if (keyword === 'FROM') stage = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? '';
    result.push({ keyword, args: args.trim(), stage });
  }
  return result;
}

function stages(): string[] {
  return instructions()
    .filter((i) => i.keyword === 'FROM')
    .map((i) => i.stage);
}

function runs(stage: string): string {
  return instructions()
    .filter((i) => i.stage === stage && i.keyword === 'RUN')
    .map((i) => i.args)
    .join('\n');
}

/** .dockerignore semantics: patterns match a path or any of its parents; the last matching pattern decides. */
function dockerIgnored(path: string): boolean {
  const patterns = readFileSync(join(REPO, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const toRegex = (glob: string) =>
    new RegExp(
      '^' +
        glob
          .replace(/^\/+|\/+$/g, '')
          .split(/(\*\*\/|\*\*|\*|\?)/)
          .map((part) =>
            part === '**/'
              ? '(?:.*/)?'
              : part === '**'
                ? '.*'
                : part === '*'
                  ? '[^/]*'
                  : part === '?'
                    ? '[^/]'
                    : part.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
          )
          .join('') +
        '$',
    );
  const segments = path.split('/');
  const candidates = segments.map((_, i) => segments.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const regex = toRegex(negated ? raw.slice(1) : raw);
    if (candidates.some((c) => regex.test(c))) ignored = !negated;
  }
  return ignored;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Images the manifests use, by name, with their tags. */
function manifestImages(): Map<string, Set<string>> {
  const images = new Map<string, Set<string>>();
  for (const dir of KUSTOMIZATIONS) {
    for (const pod of podTemplates(render(dir))) {
      for (const container of allContainers(pod.spec)) {
        const name = imageName(container.image!);
        if (!images.has(name)) images.set(name, new Set());
        images.get(name)!.add(imageTag(container.image!)!);
      }
    }
  }
  return images;
}

describe('docker/Dockerfile', () => {
  it('has the final targets the docs and docker/build.sh use, built in a separate stage', () => {
    expect(stages()).toEqual(
      expect.arrayContaining(['build', 'prod-deps', 'prod-deps-cuda', 'server', 'server-cuda', 'bench']),
    );
  });

  it('copies only paths that exist and are in the build context (.dockerignore)', () => {
    const known = new Set<string>();
    for (const { keyword, args, stage } of instructions()) {
      if (keyword === 'FROM') known.add(stage);
      if (keyword !== 'COPY') continue;
      const words = args.split(/\s+/);
      const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
      const paths = words.filter((w) => !w.startsWith('--'));
      const sources = paths.slice(0, -1);
      if (from) {
        expect([args, known.has(from)]).toEqual([args, true]);
        continue;
      }
      for (const source of sources) {
        const path = join(REPO, source);
        expect([source, existsSync(path)]).toEqual([source, true]);
        expect([source, dockerIgnored(source.replace(/^\.\//, ''))]).toEqual([source, false]);
        if (statSync(path).isDirectory()) {
          const dropped = filesUnder(path)
            .map((f) => relative(REPO, f))
            .filter((f) => dockerIgnored(f) && !/\.(e2e-)?spec\.ts$/.test(f));
          expect([source, dropped]).toEqual([source, []]);
        }
      }
    }
  });

  it('sends every production source to the build, and keeps dependencies, outputs and secrets out', () => {
    for (const file of productionSources())
      expect([file, dockerIgnored(relative(REPO, file))]).toEqual([file, false]);
    for (const path of [
      'node_modules/typescript/package.json',
      'dist/apps/bench/src/main.js',
      '.git/HEAD',
      '.venv/bin/python',
      'results/run-1/report.html',
      'coverage/lcov.info',
      'tools/export/export.py',
      'test/e2e/servers.e2e-spec.ts',
      'k8s/base/kustomization.yaml',
      'libs/config/src/load-config.spec.ts',
      'apps/bench/node_modules/x/index.js',
      '.env',
    ]) {
      expect([path, dockerIgnored(path)]).toEqual([path, true]);
    }
    // The bundled tiny models are kept for the bench image.
    for (const file of filesUnder(join(REPO, 'test/fixtures/models'))) {
      expect([file, dockerIgnored(relative(REPO, file))]).toEqual([file, false]);
    }
  });

  it('builds with dev dependencies and no install scripts, then installs production dependencies only', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(runs('build')).toMatch(/npm ci --ignore-scripts/);
    expect(runs('build')).toMatch(/npm run build/);
    expect(pkg.scripts.build).toBeDefined();
    expect(runs('prod-deps')).toMatch(/ONNXRUNTIME_NODE_INSTALL=skip npm ci --omit=dev --ignore-scripts/);
  });

  it('installs a CUDA provider flavour onnxruntime-node knows, and checks for the files it lists', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const metadata = require('onnxruntime-node/script/install-metadata.js') as {
      requirements: Record<string, string[]>;
      manifests: Record<string, Record<string, unknown>>;
    };
    const script = runs('prod-deps-cuda');
    const flavour =
      /ONNXRUNTIME_NODE_INSTALL=(\S+) node node_modules\/onnxruntime-node\/script\/install\.js/.exec(
        script,
      )?.[1];
    expect(metadata.requirements['linux/x64']).toContain(flavour);
    const files = Object.keys(metadata.manifests[`linux/x64:${flavour}`]).map((f) => f.replace(/^\.\//, ''));
    for (const checked of script.matchAll(
      /test -f node_modules\/onnxruntime-node\/bin\/napi-v6\/linux\/x64\/(\S+)/g,
    )) {
      expect(files).toContain(checked[1]);
    }
    expect([...script.matchAll(/test -f/g)].length).toBeGreaterThan(0);
  });

  it('names entry points that npm run build produces from existing sources', () => {
    const text = readFileSync(DOCKERFILE, 'utf8');
    const entries = new Set(text.match(/dist\/apps\/[\w-]+\/src\/main\.js/g));
    for (const dir of KUSTOMIZATIONS) {
      for (const pod of podTemplates(render(dir))) {
        for (const container of allContainers(pod.spec)) {
          const line = [...(container.command ?? []), ...(container.args ?? [])].join(' ');
          for (const entry of line.match(/dist\/apps\/[\w-]+\/src\/main\.js/g) ?? []) entries.add(entry);
        }
      }
    }
    expect(entries.size).toBeGreaterThanOrEqual(4);
    const buildConfig = JSON.parse(readFileSync(join(REPO, 'tsconfig.build.json'), 'utf8')) as {
      include: string[];
    };
    const baseConfig = JSON.parse(readFileSync(join(REPO, 'tsconfig.json'), 'utf8')) as {
      compilerOptions: { outDir: string };
    };
    expect(baseConfig.compilerOptions.outDir.replace(/^\.\//, '')).toBe('dist');
    expect(buildConfig.include).toEqual(expect.arrayContaining(['apps/**/*.ts', 'libs/**/*.ts']));
    for (const entry of entries) {
      const source = entry.replace(/^dist\//, '').replace(/\.js$/, '.ts');
      expect([source, existsSync(join(REPO, source))]).toEqual([source, true]);
      // After a finished build (npm test builds first; tsc writes .tsbuildinfo last) the file is there too.
      if (existsSync(join(REPO, 'dist/.tsbuildinfo'))) {
        expect([entry, existsSync(join(REPO, entry))]).toEqual([entry, true]);
      }
    }
  });

  it('runs every final image as uid/gid 10001, the user and group the pods run as', () => {
    requireKubectl();
    for (const stage of ['server', 'server-cuda', 'bench']) {
      const users = instructions().filter((i) => i.stage === stage && i.keyword === 'USER');
      expect([stage, users.map((u) => u.args)]).toEqual([stage, ['10001:10001']]);
    }
    for (const dir of KUSTOMIZATIONS) {
      for (const pod of podTemplates(render(dir))) {
        // The bench Jobs override the uid (not the gid) so RLIMIT_NPROC does not count the servers' threads.
        const uid = pod.labels['app.kubernetes.io/name'] === 'bench' ? 10002 : 10001;
        expect([pod.owner, pod.spec.securityContext?.runAsUser]).toEqual([pod.owner, uid]);
        expect([pod.owner, pod.spec.securityContext?.runAsGroup]).toEqual([pod.owner, 10001]);
      }
    }
  });

  it('puts Python, bubblewrap and the report fonts in the bench image only', () => {
    expect(runs('bench')).toMatch(/apt-get install[^\n]*\bpython3\b[^\n]*\bbubblewrap\b/);
    // The chart PNGs of the report need the font package libs/report names (or they have no text).
    const fontPackage = /package (fonts-[\w-]+)/.exec(
      readFileSync(join(REPO, 'libs/report/src/png.ts'), 'utf8'),
    );
    if (fontPackage)
      expect(runs('bench')).toMatch(new RegExp(`apt-get install[^\\n]*\\b${fontPackage[1]}\\b`));
    for (const stage of ['server', 'server-cuda']) expect(runs(stage)).not.toMatch(/python|bubblewrap/);
  });
});

describe('the images the manifests use', () => {
  beforeAll(() => {
    requireKubectl();
  });

  it('are the ones docker/build.sh builds, tagged with the package version', () => {
    const build = readFileSync(join(REPO, 'docker/build.sh'), 'utf8');
    const loops = new Map<string, string[]>(); // target -> apps
    for (const match of build.matchAll(/for app in ([^;]+); do\s+build (\S+) "\$app"/g)) {
      loops.set(match[2], match[1].trim().split(/\s+/));
    }
    expect(build).toMatch(/build bench '' "\$\(name bench\):\$\{tag\}"/);
    const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string })
      .version;
    const images = manifestImages();
    expect([...images.keys()].sort()).toEqual([
      'ensemble-infill/ar-server',
      'ensemble-infill/bench',
      'ensemble-infill/diffusion-server',
      'ensemble-infill/orchestrator',
    ]);
    for (const [name, tags] of images) {
      const app = name.replace('ensemble-infill/', '');
      for (const tag of tags) {
        if (tag === `${version}-cuda12`)
          expect([name, loops.get('server-cuda')]).toEqual([name, expect.arrayContaining([app])]);
        else if (app === 'bench') expect(tag).toBe(version);
        else {
          expect([name, tag]).toEqual([name, version]);
          expect([name, loops.get('server')]).toEqual([name, expect.arrayContaining([app])]);
        }
        expect(existsSync(join(REPO, 'apps', app, 'src/main.ts'))).toBe(true);
      }
    }
  });
});
