/**
 * The COMMAND of `leasehold chaos --mode run`: records that it runs, on the machine-wide
 * monotonic clock, into `DIR/PID.log`: `start NS TOKEN IDENTITY STUBBORN`, then `tick NS` every
 * few milliseconds, and `stop NS` on SIGTERM just before exiting. A stubborn one ignores
 * SIGTERM (`sigterm NS`) and keeps ticking: it has to be SIGKILLed, which it cannot record.
 *
 * Usage: node heartbeat.js DIR STUBBORN_PROBABILITY
 *
 * @module
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

const TICK_MS = 10;

const [dir = '.', probability = '0'] = process.argv.slice(2);
const file = join(dir, `${process.pid}.log`);
const stubborn = Math.random() < Number(probability);
const now = (): bigint => process.hrtime.bigint();
const record = (line: string): void => {
  try {
    appendFileSync(file, `${line}\n`);
  } catch {
    // The run is over and its directory gone: nothing to record into.
  }
};

record(
  `start ${now()} ${process.env.LEASEHOLD_FENCING_TOKEN ?? '-'} ` +
    `${process.env.LEASEHOLD_IDENTITY ?? '-'} ${stubborn ? 'stubborn' : 'obliging'}`,
);
setInterval(() => record(`tick ${now()}`), TICK_MS);
process.on('SIGTERM', () => {
  if (stubborn) {
    record(`sigterm ${now()}`);
    return;
  }
  record(`stop ${now()}`);
  process.exit(0);
});
