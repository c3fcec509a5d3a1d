/**
 * One referenced timer that holds the Node.js process open while any elector runs.
 *
 * @remarks
 * Electors' own timers are unref'd, so that an elector never keeps its host alive by accident;
 * a running elector must still keep it alive on purpose (see `keepProcessAlive`). A thousand
 * electors need one such handle, not a thousand intervals: this module counts the holders and
 * keeps one idle interval exactly while the count is above zero.
 *
 * @module
 */

let holders = 0;
let timer: ReturnType<typeof setInterval> | undefined;

/**
 * Holds the process open until the returned function is called. Calling that function more
 * than once releases once.
 */
export function holdProcessOpen(): () => void {
  holders += 1;
  // The interval never fires in practice (2^30 ms ≈ 12 days); it only keeps the loop alive.
  timer ??= setInterval(() => {}, 1 << 30);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holders -= 1;
    if (holders === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}
