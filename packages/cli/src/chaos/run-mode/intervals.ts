/**
 * COMMAND intervals of a `--mode run` chaos run, from the heartbeat files, and their overlaps.
 *
 * @remarks
 * Conservative on both ends: an interval starts at COMMAND's `start` record (it does nothing
 * before) and ends at its `stop` record (written on SIGTERM just before it exits) or, for a
 * COMMAND that was SIGKILLed and could record nothing, when the runner saw it gone (a poll of
 * `/proc`: no later than the truth is impossible, so any lag only lengthens the interval); a
 * COMMAND never seen gone ends at the end of the run.
 *
 * @module
 */

/** How an interval's end was established. */
export type EndKind = 'stop' | 'seen-gone' | 'never-seen-gone';

/** One COMMAND's life. */
export interface CommandInterval {
  readonly pid: number;
  readonly identity: string;
  readonly token: number;
  readonly stubborn: boolean;
  /** Machine-wide monotonic ns. */
  readonly start: bigint;
  readonly end: bigint;
  readonly endKind: EndKind;
  /** Its last record of any kind. */
  readonly lastRecord: bigint;
  /** It ignored a SIGTERM. */
  readonly ignoredSigterm: boolean;
}

/** Two COMMANDs alive at once. */
export interface CommandOverlap {
  readonly first: CommandInterval;
  readonly second: CommandInterval;
  readonly overlapMs: number;
}

/**
 * Builds one interval from a heartbeat file's text.
 * @param goneAt when the runner first saw the process gone, if it did
 * @param runEnd the end of the run, for a COMMAND never seen gone
 * @returns `null` for a file without a `start` line (a COMMAND killed as it started)
 */
export function parseHeartbeats(
  pid: number,
  text: string,
  goneAt: bigint | undefined,
  runEnd: bigint,
): CommandInterval | null {
  let start: bigint | undefined;
  let identity = '';
  let token = Number.NaN;
  let stubborn = false;
  let stop: bigint | undefined;
  let lastRecord = 0n;
  let ignoredSigterm = false;
  for (const line of text.split('\n')) {
    const [what, at, ...rest] = line.split(' ');
    if (at === undefined || !/^\d+$/.test(at)) continue;
    const time = BigInt(at);
    if (time > lastRecord) lastRecord = time;
    if (what === 'start') {
      start = time;
      token = Number(rest[0]);
      identity = rest[1] ?? '';
      stubborn = rest[2] === 'stubborn';
    } else if (what === 'stop') {
      stop = time;
    } else if (what === 'sigterm') {
      ignoredSigterm = true;
    }
  }
  if (start === undefined) return null;
  const [end, endKind]: [bigint, EndKind] =
    stop !== undefined
      ? [stop, 'stop']
      : goneAt !== undefined
        ? [goneAt, 'seen-gone']
        : [runEnd, 'never-seen-gone'];
  return {
    pid,
    identity,
    token,
    stubborn,
    start,
    end: end > lastRecord ? end : lastRecord,
    endKind,
    lastRecord,
    ignoredSigterm,
  };
}

/** The earlier of two instants (`Math.min` takes no bigint). */
function earlier(a: bigint, b: bigint): bigint {
  if (a < b) return a;
  return b;
}

/** Every pair of intervals that share an instant (touching ends count as overlap). */
export function commandOverlaps(intervals: readonly CommandInterval[]): CommandOverlap[] {
  const sorted = [...intervals].sort((a, b) =>
    a.start < b.start ? -1 : a.start > b.start ? 1 : 0,
  );
  const overlaps: CommandOverlap[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const first = sorted[i]!;
    for (let j = i + 1; j < sorted.length; j++) {
      const second = sorted[j]!;
      if (second.start > first.end) break;
      const until = earlier(first.end, second.end);
      overlaps.push({ first, second, overlapMs: Number(until - second.start) / 1e6 });
    }
  }
  return overlaps;
}

/** From one COMMAND's end to the next one's start, in start order, with the one before. */
export interface Handover {
  readonly from: CommandInterval;
  readonly to: CommandInterval;
  readonly gapMs: number;
}

/** The handovers between consecutive COMMANDs (meaningful when none overlap). */
export function handovers(intervals: readonly CommandInterval[]): Handover[] {
  const sorted = [...intervals].sort((a, b) =>
    a.start < b.start ? -1 : a.start > b.start ? 1 : 0,
  );
  return sorted.slice(1).map((to, i) => {
    const from = sorted[i]!;
    return { from, to, gapMs: Number(to.start - from.end) / 1e6 };
  });
}
