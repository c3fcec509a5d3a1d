/**
 * Checks every published package as a user would receive it (run after `pnpm build`):
 *
 * - publint (strict): `exports`, `files` and the manifest agree with what is packed;
 * - @arethetypeswrong/cli (profile esm-only: the packages are ES modules, which Node.js
 *   >= 22.12 also loads through `require()`): types resolve for every entry point;
 * - the tarball holds only package.json, README.md, LICENSE, `dist/` and the `src/` files
 *   the source maps point to; no build info, no tests, nothing unreachable;
 * - a module that imports vitest ships only where vitest is an optional peer dependency.
 *
 * Prints one line per check and a closing count; exits non-zero on any failure.
 *
 * @module
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const PACKAGES = ['packages/election', 'packages/testing', 'packages/cli'];
const ALLOWED = [/^package\.json$/, /^README\.md$/, /^LICENSE$/, /^dist\//, /^src\//];

let failures = 0;
let passes = 0;
function check(name: string, problems: readonly string[], output = ''): void {
  if (problems.length === 0) {
    passes += 1;
    console.log(`ok   ${name}`);
    return;
  }
  failures += 1;
  console.log(`FAIL ${name}`);
  for (const problem of problems) console.log(`     ${problem}`);
  if (output) console.log(output.replace(/^/gm, '     | '));
}

function run(command: string, args: readonly string[], cwd: string) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
}

interface Manifest {
  readonly name: string;
  readonly peerDependencies?: Record<string, string>;
  readonly peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

for (const dir of PACKAGES) {
  const cwd = join(root, dir);
  const manifest = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8')) as Manifest;
  const name = manifest.name;

  const publint = run('pnpm', ['exec', 'publint', '--strict', '.'], cwd);
  check(`${name}: publint`, publint.ok ? [] : ['publint reported problems'], publint.output);
  if (publint.ok) console.log(publint.output.split('\n').at(-1)?.replace(/^/, '     '));

  const attw = run('pnpm', ['exec', 'attw', '--pack', '.', '--profile', 'esm-only'], cwd);
  check(`${name}: arethetypeswrong`, attw.ok ? [] : ['attw reported problems'], attw.output);

  const packed = run('pnpm', ['pack', '--dry-run', '--json'], cwd);
  const files = packed.ok
    ? (
        JSON.parse(packed.output.slice(packed.output.indexOf('{'))) as { files: { path: string }[] }
      ).files.map((f) => f.path)
    : [];
  const listed = new Set(files);
  const problems: string[] = packed.ok ? [] : [`pnpm pack failed: ${packed.output}`];
  for (const file of files) {
    if (!ALLOWED.some((pattern) => pattern.test(file))) problems.push(`unexpected file ${file}`);
    if (/\.tsbuildinfo$|\.test\.|(^|\/)test\//.test(file)) problems.push(`should not ship ${file}`);
  }
  for (const required of ['package.json', 'README.md', 'LICENSE']) {
    if (!listed.has(required)) problems.push(`missing ${required}`);
  }
  const needed = new Set<string>();
  for (const file of files.filter((f) => f.endsWith('.map'))) {
    const map = JSON.parse(readFileSync(join(cwd, file), 'utf8')) as { sources: string[] };
    for (const source of map.sources) needed.add(posix.join(posix.dirname(file), source));
  }
  for (const source of needed) {
    if (!listed.has(source)) problems.push(`a source map points to ${source}, which is not packed`);
  }
  for (const file of files.filter((f) => f.startsWith('src/'))) {
    if (!needed.has(file)) problems.push(`${file} is packed but no source map points to it`);
  }
  const vitestImporters = files.filter(
    (f) => f.endsWith('.js') && /from ['"]vitest['"]/.test(readFileSync(join(cwd, f), 'utf8')),
  );
  const vitestOptional =
    manifest.peerDependencies?.vitest !== undefined &&
    manifest.peerDependenciesMeta?.vitest?.optional === true;
  if (vitestImporters.length > 0 && !vitestOptional) {
    problems.push(`imports vitest without an optional peer: ${vitestImporters.join(', ')}`);
  }
  check(`${name}: tarball contents (${files.length} files)`, problems);
}

console.log(`\nlint:packages: ${passes} passed, ${failures} failed`);
process.exitCode = failures > 0 ? 1 : 0;
