/**
 * Keeps the process alive while a command waits for its elector.
 *
 * @remarks
 * The library's timers are unref'd, so that an elector never keeps its host process alive on
 * its own. A command whose only job is the elector must therefore hold the process open
 * itself: a follower waiting out a retry backoff (API server unreachable, nothing else open)
 * would otherwise let Node exit, with status 0, in the middle of the run.
 *
 * @module
 */

/** Holds the event loop open until the returned function is called. */
export function keepAlive(): () => void {
  const timer = setInterval(() => {}, 2 ** 30);
  return () => clearInterval(timer);
}
