/**
 * Ctrl-C for long-running commands (demo, chaos): the first signal asks for a clean end
 * (candidates stop, the summary or report is written); a second one means now, and the exit
 * handlers kill whatever is left.
 *
 * @module
 */

/** Listens for `signals` until `dispose()`; the first one aborts `signal`, a second exits 130. */
export function onInterrupt(signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM']): {
  readonly signal: AbortSignal;
  dispose(): void;
} {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    controller.abort();
  };
  for (const name of signals) process.on(name, onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const name of signals) process.off(name, onSignal);
    },
  };
}
