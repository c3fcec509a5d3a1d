import { describe, expect, it } from 'vitest';
import { decodeFromGuard, decodeToGuard, encode, lineReader } from './protocol.js';

describe('guard protocol', () => {
  it('round-trips every order and report', () => {
    const orders = [
      { type: 'start', file: 'node', args: ['a b', '-e'], env: { A: '1' }, deadline: 12.5 },
      { type: 'deadline', deadline: 99 },
      { type: 'stop' },
      { type: 'kill' },
    ] as const;
    for (const order of orders) expect(decodeToGuard(encode(order))).toEqual(order);
    const reports = [
      { type: 'ready' },
      { type: 'started', pid: 42 },
      { type: 'exited', cause: 'deadline', code: null, signal: 'SIGKILL' },
      {
        type: 'exited',
        cause: 'exit',
        code: null,
        signal: null,
        spawnError: { code: 'ENOENT', message: 'spawn x ENOENT' },
      },
    ] as const;
    for (const report of reports) expect(decodeFromGuard(encode(report))).toEqual(report);
  });

  it('refuses malformed lines instead of guessing', () => {
    for (const line of [
      'not json',
      'null',
      '{"type":"start","file":"x","args":[1],"env":{},"deadline":1}',
      '{"type":"start","file":"x","args":[],"env":{"A":2},"deadline":1}',
      '{"type":"deadline","deadline":"soon"}',
      '{"type":"deadline","deadline":null}',
      '{"type":"launch"}',
    ]) {
      expect(decodeToGuard(line), line).toBeNull();
    }
    expect(decodeFromGuard('{"type":"exited","cause":"whim","code":0}')).toBeNull();
    expect(decodeFromGuard('{"type":"started","pid":"1"}')).toBeNull();
  });

  it('splits a stream into lines across chunk boundaries', () => {
    const lines: string[] = [];
    const feed = lineReader((line) => lines.push(line));
    feed('{"a":1}\n{"b"');
    feed(':2}\n\n{"c":3');
    expect(lines).toEqual(['{"a":1}', '{"b":2}']);
    feed('}\n');
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });
});
