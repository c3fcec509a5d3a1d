import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { splitAtDoubleDash, UsageError } from './args.js';
import { parseDemoArgs } from './demo/command.js';
import { createElectorFromFlags, electorOptionsFrom } from './election-options.js';
import { parseRunArgs } from './run-command.js';

const dir = mkdtempSync(join(tmpdir(), 'leasehold-args-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const kubeconfig = join(dir, 'kubeconfig.yaml');
writeFileSync(
  kubeconfig,
  `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: 'http://127.0.0.1:1' } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: x, context: { cluster: c, user: u, namespace: from-context } }]
current-context: x
`,
);

/** The usage error a call throws (fails the test if it throws something else or nothing). */
function usageError(call: () => unknown): UsageError {
  try {
    call();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('expected a UsageError');
}

describe('splitAtDoubleDash', () => {
  it('splits at the first -- only', () => {
    expect(splitAtDoubleDash(['--name', 'x', '--', 'cmd', '--', '-v'])).toEqual({
      options: ['--name', 'x'],
      command: ['cmd', '--', '-v'],
    });
    expect(splitAtDoubleDash(['--name', 'x'])).toEqual({
      options: ['--name', 'x'],
      command: undefined,
    });
  });
});

describe('parseRunArgs', () => {
  it('takes the options before -- and the command after it, flags included', () => {
    const parsed = parseRunArgs(['--name', 'job', '--', 'node', '-e', 'x', '--name', 'y']);
    expect(parsed).toMatchObject({ file: 'node', fileArgs: ['-e', 'x', '--name', 'y'] });
  });

  it('answers --help without requiring anything else', () => {
    expect(parseRunArgs(['--help'])).toBe('help');
    expect(parseRunArgs(['-h', '--', 'x'])).toBe('help');
  });

  it.each([
    [['--', 'cmd'], /--name is required/],
    [['--name', 'job'], /missing COMMAND/],
    [['--name', 'job', '--'], /missing COMMAND/],
    [['--name', 'job', 'cmd'], /unexpected argument "cmd": put COMMAND after --/],
    [['--name', 'job', '--bogus', '--', 'cmd'], /Unknown option '--bogus'/],
    [['--name', '--', 'cmd'], /--name/],
  ])('refuses %j', (args, message) => {
    const error = usageError(() => parseRunArgs(args));
    expect(error.message).toMatch(message);
    expect(error.command).toBe('run');
  });
});

describe('parseDemoArgs', () => {
  it('applies the defaults', () => {
    expect(parseDemoArgs([])).toEqual({
      durationMs: 30_000,
      candidates: 3,
      intervalMs: 6_000,
      profile: 'fast',
      plain: false,
      kubeconfig: null,
    });
  });

  it('reads every option', () => {
    expect(
      parseDemoArgs([
        '--duration=1m',
        '--candidates',
        '5',
        '--interval',
        '2500ms',
        '--profile',
        'default',
        '--plain',
        '--kubeconfig=k.yaml',
      ]),
    ).toEqual({
      durationMs: 60_000,
      candidates: 5,
      intervalMs: 2_500,
      profile: 'default',
      plain: true,
      kubeconfig: 'k.yaml',
    });
    expect(parseDemoArgs(['--duration', 'forever'])).toMatchObject({ durationMs: null });
  });

  it.each([
    [['--duration', '10'], /--duration: "10" has no unit/],
    [['--duration', '0s'], /--duration: must be greater than 0/],
    [['--candidates', '1'], /--candidates must be an integer from 2 to 10, got "1"/],
    [['--candidates', 'three'], /--candidates must be an integer/],
    [['--profile', 'slow'], /--profile must be one of fast, default, got "slow"/],
    [['--interval'], /--interval/],
    [['extra'], /Unexpected argument 'extra'/],
  ])('refuses %j', (args, message) => {
    const error = usageError(() => parseDemoArgs(args));
    expect(error.message).toMatch(message);
    expect(error.command).toBe('demo');
  });
});

describe('election options', () => {
  it('builds elector options, taking the namespace from the kubeconfig context', () => {
    const options = electorOptionsFrom(
      'run',
      {
        name: 'job',
        kubeconfig,
        identity: 'me',
        'lease-duration': '4s',
        'renew-deadline': '3s',
        'retry-period': '1s',
        'drain-timeout': '250ms',
      },
      'leasehold',
    );
    expect(options).toMatchObject({
      name: 'job',
      namespace: 'from-context',
      identity: 'me',
      leaseDurationMs: 4_000,
      renewDeadlineMs: 3_000,
      retryPeriodMs: 1_000,
      drainTimeoutMs: 250,
    });
    expect(options.logger).toBeUndefined();
    const elector = createElectorFromFlags('run', options);
    expect(elector.config).toMatchObject({ namespace: 'from-context', drainTimeoutMs: 250 });
  });

  it('prefers --namespace and leaves unset timings to the library', () => {
    const options = electorOptionsFrom(
      'run',
      { name: 'job', kubeconfig, namespace: 'mine', verbose: true },
      'leasehold',
    );
    expect(options.namespace).toBe('mine');
    expect('leaseDurationMs' in options).toBe(false);
    expect(options.logger).toBeDefined();
  });

  it('reports an unreadable kubeconfig as a usage error', () => {
    const error = usageError(() =>
      electorOptionsFrom('run', { name: 'job', kubeconfig: join(dir, 'nope') }, 'x'),
    );
    expect(error.message).toMatch(/^--kubeconfig: cannot load .*nope/);
  });

  it.each([
    [{ 'lease-duration': '4500ms' }, /^--lease-duration: must be a whole number of seconds/],
    [{ 'lease-duration': '3s', 'renew-deadline': '3s' }, /^--lease-duration: must be greater/],
    [{ 'renew-deadline': '2s', 'retry-period': '2s' }, /^--renew-deadline: must be greater/],
    [{ name: 'Not_A_Name' }, /^--name: must be a DNS subdomain/],
  ])('names the flag when the library refuses %j', (flags, message) => {
    const error = usageError(() =>
      createElectorFromFlags(
        'candidate',
        electorOptionsFrom('candidate', { name: 'job', kubeconfig, ...flags }, 'x'),
      ),
    );
    expect(error.message).toMatch(message);
    expect(error.command).toBe('candidate');
  });
});
