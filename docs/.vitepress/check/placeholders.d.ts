// Names the documentation's fragments use for "your code": declared here so that every block
// still type-checks against the real packages while staying short. A block that declares
// one of these itself shadows it.
import type { LeaderElector, Logger } from '@leasehold/election';

declare global {
  /** The elector an earlier block on the same page created. */
  const elector: LeaderElector;
  /** Your reconcile loop, database, queue and logger. */
  function reconcile(options: { fencingToken: number; signal: AbortSignal }): Promise<void>;
  function resync(): void;
  function writeSomething(): Promise<void>;
  function handle(event: unknown): void;
  const queueEvents$: import('rxjs').Observable<unknown>;
  const rows: readonly unknown[];
  const db: {
    write(rows: readonly unknown[], options: { fence: string; signal: AbortSignal }): Promise<void>;
  };
  const metrics: { leader: { set(value: number): void } };
  const log: { info(fields: object, message: string): void };
  /** Your application's logger (pino's argument order). */
  const logger: Logger;
}
