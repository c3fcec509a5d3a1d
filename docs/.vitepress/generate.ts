// Generates the parts of the site that come from the code, before `vitepress build`:
//   reference/api/  — TypeDoc over the public entry points, as Markdown (typedoc-plugin-markdown)
//   reference/cli.md — the `--help` of every `leasehold` command
// Both are git-ignored; they are rebuilt on every docs:build and docs:dev.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const docs = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(docs, '..');
const reference = join(docs, 'reference');
const cliBin = join(root, 'packages/cli/dist/bin.js');

function cliReference(): string {
  if (!existsSync(cliBin)) throw new Error(`${cliBin} is missing: run pnpm build first`);
  const help = (args: string[]) =>
    execFileSync(process.execPath, [cliBin, ...args], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
  const top = help(['--help']);
  const commands = [...top.matchAll(/^ {2}([a-z][a-z-]*) {2,}/gm)]
    .map((m) => m[1] as string)
    .filter((name) => name !== 'help');
  if (commands.length === 0) throw new Error('no commands found in `leasehold --help`');
  const fence = (text: string) => `\`\`\`text\n${text.trimEnd()}\n\`\`\``;
  const sections = commands.map(
    (name) => `## leasehold ${name}\n\n${fence(help([name, '--help']))}\n`,
  );
  return [
    '# CLI reference',
    '',
    'Generated at build time from the `--help` of each command of the `leasehold` binary',
    '(`@leasehold/cli`), so it always matches the code.',
    '',
    fence(top),
    '',
    ...sections,
  ].join('\n');
}

interface EntryPoint {
  readonly file: string; // relative to the repository root
  readonly module: string; // the import specifier readers use
}

/** Every public entry point, read from the packages' `exports` (source condition). */
function entryPoints(): EntryPoint[] {
  const entries: EntryPoint[] = [];
  for (const pkgDir of ['packages/election', 'packages/testing']) {
    const pkg = JSON.parse(readFileSync(join(root, pkgDir, 'package.json'), 'utf8')) as {
      name: string;
      exports: Record<string, string | Record<string, string>>;
    };
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (typeof target === 'string') continue; // ./package.json
      const source = target['@leasehold/source'];
      if (!source) continue;
      entries.push({
        file: join(pkgDir, source),
        module: subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`,
      });
    }
  }
  return entries;
}

function apiReference(): void {
  const out = join(reference, 'api');
  rmSync(out, { recursive: true, force: true });
  const entries = entryPoints();
  execFileSync(
    process.execPath,
    [
      join(root, 'node_modules/typedoc/bin/typedoc'),
      ...entries.flatMap((e) => ['--entryPoints', e.file]),
      '--tsconfig',
      'tsconfig.json',
      '--plugin',
      'typedoc-plugin-markdown',
      '--out',
      out,
      '--readme',
      'none',
      '--entryFileName',
      'index',
      '--hidePageHeader',
      '--hideBreadcrumbs',
      '--excludePrivate',
      '--excludeInternal',
      '--disableSources',
      '--sanitizeComments',
      '--skipErrorChecking',
      '--logLevel',
      'Error',
      '--name',
      'API reference',
    ],
    { cwd: root, stdio: 'inherit' },
  );
  // TypeDoc names each module after its path ("election/src/health"); readers know the
  // import specifier ("@leasehold/election/health"). Rename in every generated page.
  const names = new Map<string, string>();
  const common = 'packages/';
  for (const e of entries) {
    const path = e.file
      .slice(common.length)
      .replace(/\/index\.ts$/, '')
      .replace(/\.ts$/, '');
    names.set(path, e.module);
  }
  const rename = (text: string) =>
    text.replace(
      /(\[|^# |^## |Module: )([a-z]+\/src(?:\/[a-z-]+)*)(?=\]|$)/gm,
      (all, lead, path) => (names.has(path) ? `${lead}${names.get(path)}` : all),
    );
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) writeFileSync(path, rename(readFileSync(path, 'utf8')));
    }
  };
  walk(out);
}

mkdirSync(reference, { recursive: true });
writeFileSync(join(reference, 'cli.md'), cliReference());
apiReference();
console.log('docs: generated reference/cli.md and reference/api/');
