// `pnpm docs:check`: every TypeScript block of README.md, docs/ and examples/ type-checks
// against the workspace's packages, and every block marked `ts run` runs (against the
// embedded server or the manual clock) with its assertions. Needs `pnpm build` for the runs.
//
// Each block becomes one module in docs/.vitepress/cache/code-blocks/, whose node_modules
// links the workspace packages, and tsc checks them all at once. Errors are reported at the
// Markdown file and line they come from.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CodeBlock, extractBlocks, markdownFiles } from './extract.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const work = join(here, '../cache/code-blocks');
const RUN_TIMEOUT_MS = 60_000;

const links: Record<string, string> = {
  '@leasehold/election': 'packages/election',
  '@leasehold/testing': 'packages/testing',
  '@leasehold/cli': 'packages/cli',
  rxjs: 'packages/election/node_modules/rxjs',
  '@kubernetes/client-node': 'packages/election/node_modules/@kubernetes/client-node',
  '@types/node': 'node_modules/@types/node',
  // Optional peers and loggers the docs show with the library (dev dependencies of the package).
  'prom-client': 'packages/election/node_modules/prom-client',
  '@opentelemetry/api': 'packages/election/node_modules/@opentelemetry/api',
  pino: 'packages/election/node_modules/pino',
};

function prepare(): void {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'node_modules/@leasehold'), { recursive: true });
  mkdirSync(join(work, 'node_modules/@kubernetes'), { recursive: true });
  mkdirSync(join(work, 'node_modules/@types'), { recursive: true });
  mkdirSync(join(work, 'node_modules/@opentelemetry'), { recursive: true });
  for (const [name, target] of Object.entries(links)) {
    symlinkSync(join(root, target), join(work, 'node_modules', name), 'dir');
  }
  writeFileSync(join(work, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  copyFileSync(join(here, 'placeholders.d.ts'), join(work, 'placeholders.d.ts'));
  writeFileSync(
    join(work, 'tsconfig.json'),
    JSON.stringify(
      {
        // The workspace's own compiler settings, so the packages' sources check as in CI.
        extends: join(root, 'tsconfig.base.json'),
        compilerOptions: {
          composite: false,
          declaration: false,
          declarationMap: false,
          sourceMap: false,
          noEmit: true,
        },
        include: ['*.ts'],
      },
      null,
      2,
    ),
  );
}

const fileName = (block: CodeBlock, index: number) =>
  `b${String(index).padStart(3, '0')}_${block.file.replace(/[^\w]+/g, '_')}_L${block.line}.ts`;

function typecheck(blocks: readonly CodeBlock[]): string[] {
  const byName = new Map<string, CodeBlock>();
  blocks.forEach((block, i) => {
    const name = fileName(block, i);
    byName.set(name, block);
    // Line 1 of the module is the fence line, so module line N is Markdown line fence + N - 1.
    writeFileSync(join(work, name), `export {}; // ${block.file}:${block.line}\n${block.code}\n`);
  });
  const tsc = spawnSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', work],
    {
      encoding: 'utf8',
    },
  );
  if (tsc.status === 0) return [];
  return tsc.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const m = /(b\d+_[^(/]+\.ts)\((\d+),(\d+)\): (.*)$/.exec(line);
      const block = m ? byName.get(m[1] as string) : undefined;
      if (!m || !block) return line;
      return `${block.file}:${block.line + Number(m[2]) - 1}:${m[3]} ${m[4]}`;
    });
}

function run(block: CodeBlock, index: number): string | null {
  if (!/from 'node:assert/.test(block.code)) {
    return `${block.file}:${block.line}: a runnable block must assert what the prose says (import node:assert)`;
  }
  const result = spawnSync(process.execPath, [join(work, fileName(block, index))], {
    cwd: work,
    encoding: 'utf8',
    timeout: RUN_TIMEOUT_MS,
  });
  if (result.status === 0) return null;
  const why = result.error ? String(result.error) : `${result.stderr}${result.stdout}`.trim();
  return `${block.file}:${block.line}: runnable block failed (exit ${result.status}):\n${why}`;
}

const blocks = markdownFiles(root).flatMap((file) => extractBlocks(root, file));
const checked = blocks.filter((b) => !b.marks.includes('nocheck'));
prepare();
const failures = typecheck(checked);
const runnable = checked.filter((b) => b.marks.includes('run'));
if (runnable.length > 0 && !existsSync(join(root, 'packages/election/dist/index.js'))) {
  failures.push('runnable blocks need the built packages: run pnpm build first');
} else {
  for (const block of runnable) {
    const failure = run(block, checked.indexOf(block));
    if (failure) failures.push(failure);
  }
}
const files = new Set(checked.map((b) => b.file)).size;
console.log(
  `docs:check: ${checked.length} TypeScript blocks in ${files} files type-checked, ${runnable.length} run` +
    (blocks.length > checked.length ? `, ${blocks.length - checked.length} marked nocheck` : ''),
);
if (failures.length > 0) {
  console.error(failures.join('\n'));
  console.error(`docs:check: ${failures.length} failure(s)`);
  process.exit(1);
}
// Used by the test runner's summary line.
console.log(`${checked.length + runnable.length} passed, 0 failed`);
