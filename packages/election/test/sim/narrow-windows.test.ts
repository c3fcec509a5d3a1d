/**
 * The narrow-window property, default size: schedules aimed at the places where a subtle
 * timing bug makes two leaders (harness/narrow-windows.ts), with S1–S3 checked at every event
 * and recovery at the end. `planted-bugs.test.ts` shows this budget finds each of four planted
 * bugs that the chaos property alone used to miss.
 */
import { test } from '@fast-check/vitest';
import { narrowWindowSchedule } from './harness/narrow-windows.js';
import { DEFAULT_RUNS, replayParameters } from './harness/run-sizes.js';
import { runSchedule } from './harness/simulation.js';

test.prop([narrowWindowSchedule()], {
  numRuns: DEFAULT_RUNS.narrowWindows,
  ...replayParameters(),
})(
  'S1–S3 hold in the narrow windows: late answers, slow leaders beside fast followers, stalls around an expiry',
  async ({ scenario, steps }) => {
    await runSchedule(scenario, steps);
  },
  120_000,
);
