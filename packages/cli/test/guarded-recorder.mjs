// The COMMAND of the `leasehold run` guard tests: records what happens to it and, when it
// starts, which other COMMANDs of the same test are still alive at that very moment.
//   node guarded-recorder.mjs FILE REGISTRY [ignore-sigterm]
// FILE gets lines `WHAT AT TOKEN IDENTITY PID ALIVE` (AT: machine-wide monotonic ns;
// ALIVE: comma-separated pids of other live COMMANDs at start, or `-`). REGISTRY lists the
// pid of every COMMAND started so far, one per line. With `ignore-sigterm` it records SIGTERM
// and goes on running, so that only SIGKILL ends it.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

const [file, registry, mode = 'exit-on-sigterm'] = process.argv.slice(2);

/** Alive means running or stopped, not a zombie waiting to be reaped. */
function alive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

const others = existsSync(registry)
  ? readFileSync(registry, 'utf8').split('\n').filter(Boolean).map(Number)
  : [];
const aliveOthers = others.filter((pid) => pid !== process.pid && alive(pid));
appendFileSync(registry, `${process.pid}\n`);

const record = (what, extra = '-') =>
  appendFileSync(
    file,
    `${what} ${process.hrtime.bigint()} ${process.env.LEASEHOLD_FENCING_TOKEN} ` +
      `${process.env.LEASEHOLD_IDENTITY} ${process.pid} ${extra}\n`,
  );

record('start', aliveOthers.length > 0 ? aliveOthers.join(',') : '-');
process.on('SIGTERM', () => {
  record('sigterm');
  if (mode !== 'ignore-sigterm') process.exit(0);
});
setInterval(() => {}, 1_000);
