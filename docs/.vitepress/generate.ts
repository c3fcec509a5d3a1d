// Generates the parts of the site that come from the code, before `vitepress build`:
//   reference/api/  — TypeDoc over the public entry points, as Markdown (typedoc-plugin-markdown)
//   reference/cli.md — the `--help` of every `leasehold` command
// Both are git-ignored; they are rebuilt on every docs:build and docs:dev.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

function apiReference(): void {
  const out = join(reference, 'api');
  rmSync(out, { recursive: true, force: true });
  const entryPoints = ['packages/election/src/index.ts', 'packages/testing/src/index.ts'];
  for (const extra of [
    'packages/election/src/testing/index.ts',
    'packages/election/src/machine/index.ts',
  ]) {
    // Subpath entry points of the narrowed public API, once they exist.
    if (existsSync(join(root, extra)) && hasSubpathExport(extra)) entryPoints.push(extra);
  }
  execFileSync(
    process.execPath,
    [
      join(root, 'node_modules/typedoc/bin/typedoc'),
      ...entryPoints.flatMap((e) => ['--entryPoints', e]),
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
      '--skipErrorChecking',
      '--logLevel',
      'Warn',
      '--name',
      'API reference',
    ],
    { cwd: root, stdio: 'inherit' },
  );
  // TypeDoc names each entry point after its folder ("election/src"); readers know packages.
  const index = join(out, 'index.md');
  writeFileSync(
    index,
    readFileSync(index, 'utf8').replace(
      /\[(election|testing)\/src(\/[a-z]+)?\]/g,
      '[@leasehold/$1$2]',
    ),
  );
}

function hasSubpathExport(entry: string): boolean {
  const pkg = JSON.parse(readFileSync(join(root, 'packages/election/package.json'), 'utf8')) as {
    exports?: Record<string, unknown>;
  };
  const sub = entry.includes('/testing/') ? './testing' : './machine';
  return Boolean(pkg.exports?.[sub]);
}

mkdirSync(reference, { recursive: true });
writeFileSync(join(reference, 'cli.md'), cliReference());
apiReference();
console.log('docs: generated reference/cli.md and reference/api/');
