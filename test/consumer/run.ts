/**
 * `pnpm test:consumer`: the packages as a user gets them, proven from outside the workspace.
 *
 * 1. `pnpm pack` every package (run `pnpm build` first);
 * 2. in a fresh folder under the system temp directory, `npm install` the tarballs with the
 *    peers a user brings (their own @kubernetes/client-node 2.x and rxjs), TypeScript and
 *    @types/node;
 * 3. type-check the consumer (fixture/) under `module: nodenext` and under
 *    `moduleResolution: bundler`, both strict, library declarations included;
 * 4. run it as an ES module and as CommonJS (`require()`): one leader of three, failover on
 *    stop, against `startLeaseServer()`;
 * 5. `npx leasehold --help`, and `npx leasehold run` against `npx leasehold server`;
 * 6. on an older Node.js (the machine's /usr/bin/node, if older than 22.19), the CLI and the
 *    library each fail with one line naming the version they need.
 *
 * Prints `ok`/`not ok` per check and a closing count; exits non-zero on any failure.
 *
 * @module
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const PACKAGES = ['packages/election', 'packages/testing', 'packages/cli'];
const OLD_NODE = '/usr/bin/node';
const started = performance.now();
const work = mkdtempSync(join(tmpdir(), 'leasehold-consumer-'));
const keep = process.env.LEASEHOLD_CONSUMER_KEEP === '1';
let passed = 0;
let failed = 0;

function report(ok: boolean, what: string, detail = ''): void {
  if (ok) passed += 1;
  else failed += 1;
  console.log(`${ok ? 'ok' : 'not ok'} - ${what}`);
  if (!ok && detail) console.log(detail.trim().replace(/^/gm, '    # '));
}

function run(command: string, args: readonly string[], cwd: string, timeoutMs = 300_000) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: timeoutMs });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  return {
    status: result.status,
    stdout: result.stdout ?? '',
    stderr: result.stderr ?? '',
    output,
  };
}

/** Runs a step; a thrown error counts as a failed check named by the step. */
async function step(what: string, body: () => void | Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    report(false, what, error instanceof Error ? error.message : String(error));
  }
}

const project = join(work, 'app');
const tarballs = join(work, 'tarballs');

await step('pack the packages', () => {
  mkdirSync(tarballs, { recursive: true });
  for (const dir of PACKAGES) {
    const packed = run('pnpm', ['pack', '--pack-destination', tarballs], join(root, dir));
    if (packed.status !== 0) throw new Error(`pnpm pack ${dir}:\n${packed.output}`);
  }
  const files = readdirSync(tarballs);
  report(files.length === PACKAGES.length, `pack the packages (${files.join(', ')})`);
});

await step('npm install the tarballs', () => {
  cpSync(join(import.meta.dirname, 'fixture'), project, { recursive: true });
  const t0 = performance.now();
  const install = run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      ...readdirSync(tarballs).map((f) => join(tarballs, f)),
      '@kubernetes/client-node@^2.0.1',
      'rxjs@^7.8.2',
      'typescript@6.0.3',
      '@types/node@24.19.2',
      // client-node's declarations import 'ws' (through isomorphic-ws) without shipping its
      // types; a user who type-checks libraries (skipLibCheck: false) needs these too.
      '@types/ws@^8.18.1',
    ],
    project,
    600_000,
  );
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  report(
    install.status === 0,
    `npm install the tarballs and the peers (${seconds} s)`,
    install.output,
  );
});

for (const config of ['tsconfig.nodenext.json', 'tsconfig.bundler.json']) {
  await step(`type-check (${config})`, () => {
    const tsc = run('node', ['node_modules/typescript/bin/tsc', '-p', config], project);
    report(tsc.status === 0, `type-check, strict (${config})`, tsc.output);
  });
}

for (const [label, file] of [
  ['ESM', 'consumer.ts'],
  ['CommonJS require()', 'consumer.cts'],
] as const) {
  await step(`run the ${label} consumer`, () => {
    const consumer = run('node', [file], project, 120_000);
    process.stdout.write(consumer.stdout.replace(/^/gm, '    '));
    const lines = consumer.stdout.split('\n').filter((l) => /^(not )?ok /.test(l));
    const ok = consumer.status === 0 && lines.length >= 4 && lines.every((l) => l.startsWith('ok'));
    report(ok, `the ${label} consumer elects one leader of three and fails over`, consumer.stderr);
  });
}

await step('npx leasehold --help', () => {
  const help = run('npx', ['--no-install', 'leasehold', '--help'], project);
  report(
    help.status === 0 && help.stdout.includes('run ') && help.stdout.includes('server '),
    'npx leasehold --help',
    help.output,
  );
});

await step('npx leasehold run against npx leasehold server', async () => {
  const kubeconfig = join(work, 'kubeconfig.yaml');
  const server = spawn('npx', ['--no-install', 'leasehold', 'server', '--kubeconfig', kubeconfig], {
    cwd: project,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  try {
    const line = await firstLine(server, /leasehold server: (http\S+)/, 60_000);
    const leader = run(
      'npx',
      [
        '--no-install',
        'leasehold',
        'run',
        '--name',
        'consumer-job',
        '--kubeconfig',
        kubeconfig,
        '--',
        'node',
        '-e',
        "console.log('leading with token ' + process.env.LEASEHOLD_FENCING_TOKEN)",
      ],
      project,
      60_000,
    );
    report(
      leader.status === 0 && leader.stdout.includes('leading with token 0'),
      `npx leasehold run against npx leasehold server (${line})`,
      leader.output,
    );
  } finally {
    // npx runs the server in a child: end the whole process group.
    if (server.pid !== undefined) process.kill(-server.pid, 'SIGTERM');
  }
});

const old = run(OLD_NODE, ['-p', 'process.versions.node'], project);
const oldVersion = old.status === 0 ? old.stdout.trim() : '';
const [major = 0, minor = 0] = oldVersion.split('.').map(Number);
if (oldVersion && (major < 22 || (major === 22 && minor < 19))) {
  await step('the CLI on an old Node.js', () => {
    const cli = run(OLD_NODE, ['node_modules/@leasehold/cli/dist/bin.js', '--version'], project);
    const expected = `leasehold: needs Node.js >= 22.19.0; this is Node.js v${oldVersion}.\n`;
    report(
      cli.status === 1 && cli.stderr === expected && cli.stdout === '',
      `leasehold --version on Node.js ${oldVersion} exits 1 with one line`,
      cli.output,
    );
  });
  await step('the library on an old Node.js', () => {
    const lib = run(
      OLD_NODE,
      ['--input-type=module', '-e', "import '@leasehold/election';"],
      project,
    );
    report(
      lib.status === 1 &&
        lib.stderr.includes(
          `Error: @leasehold/election needs Node.js >= 22.19.0; this is Node.js v${oldVersion}.`,
        ) &&
        !lib.stderr.includes('undici'),
      `import '@leasehold/election' on Node.js ${oldVersion} throws the version error first`,
      lib.output,
    );
  });
} else {
  console.log(`# skipped the old-Node.js checks: ${OLD_NODE} is ${oldVersion || 'absent'}`);
}

function firstLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no "${pattern}" in: ${seen}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      const match = pattern.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] ?? match[0]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}): ${seen}`));
    });
  });
}

if (!keep) rmSync(work, { recursive: true, force: true });
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(
  `\ntest:consumer: ${passed} passed, ${failed} failed (${seconds} s)${keep ? `; kept ${work}` : ''}`,
);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
