// The COMMAND of the `leasehold run` end-to-end test: appends what happens to it, with the
// machine-wide monotonic time, to the file named by its first argument.
//   node child-recorder.mjs FILE [wait|exit-soon]
import { appendFileSync } from 'node:fs';

const [file, mode = 'wait'] = process.argv.slice(2);
const record = (what) =>
  appendFileSync(
    file,
    `${what} ${process.hrtime.bigint()} ${process.env.LEASEHOLD_FENCING_TOKEN} ` +
      `${process.env.LEASEHOLD_IDENTITY} ${process.pid}\n`,
  );

record('start');
process.on('SIGTERM', () => {
  record('sigterm');
  process.exit(0);
});
if (mode === 'exit-soon') {
  setTimeout(() => {
    record('done');
    process.exit(0);
  }, 300);
} else {
  setInterval(() => {}, 1_000);
}
