/**
 * `pnpm release:dry`: what a release would publish, without publishing. Shows the pending
 * changesets (the version each package would get), then packs each public package into a
 * temporary folder and lists its tarball: size, unpacked size and every file.
 *
 * `--summary` prints one line per package instead of the file lists.
 *
 * @module
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const PACKAGES = ['packages/election', 'packages/testing', 'packages/cli'];
const summary = process.argv.includes('--summary');

const status = spawnSync('pnpm', ['exec', 'changeset', 'status', '--verbose'], {
  cwd: root,
  stdio: 'inherit',
});
if (status.status !== 0) process.exitCode = 1;

const temp = mkdtempSync(join(tmpdir(), 'leasehold-release-'));
try {
  for (const dir of PACKAGES) {
    const out = join(temp, dir.replaceAll('/', '-'));
    execFileSync('pnpm', ['pack', '--pack-destination', out], {
      cwd: join(root, dir),
      stdio: 'ignore',
    });
    const [tarball] = readdirSync(out);
    if (tarball === undefined) throw new Error(`pnpm pack produced nothing for ${dir}`);
    const path = join(out, tarball);
    const listing = execFileSync('tar', ['tzvf', path], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((line) => {
        const fields = line.trim().split(/\s+/);
        return { size: Number(fields[2]), file: (fields.at(-1) ?? '').replace(/^package\//, '') };
      });
    const unpacked = listing.reduce((sum, entry) => sum + entry.size, 0);
    const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
    console.log(
      `\n${tarball}: ${kb(statSync(path).size)} packed, ${kb(unpacked)} unpacked, ${listing.length} files`,
    );
    if (summary) continue;
    for (const { size, file } of listing.sort((a, b) => a.file.localeCompare(b.file))) {
      console.log(`  ${String(size).padStart(8)}  ${file}`);
    }
  }
} finally {
  rmSync(temp, { recursive: true, force: true });
}
