/** The shape of bench/results/*.json. */
import type { FailoverRun } from './scenarios/failover.js';
import type { LoadRun } from './scenarios/load.js';
import type { IdleRun, ScaleRun } from './scenarios/scale.js';

export type { FailoverRun, IdleRun, LoadRun, ScaleRun };

export interface Results {
  schema: 1;
  mode: 'quick' | 'full';
  startedAt: string;
  finishedAt?: string;
  durationS?: number;
  command: string;
  machine: Record<string, unknown>;
  versions: Record<string, unknown>;
  parameters: Record<string, unknown>;
  backends: Record<string, unknown>[];
  apiserverBaseline?: { windowMs: number; perMinute: Record<string, number>; openWatches: number };
  b3CrossChecks: Record<string, unknown>[];
  failover: FailoverRun[];
  load: LoadRun[];
  scale: ScaleRun[];
  idle: IdleRun[];
  skipped: { what: string; why: string }[];
  errors: string[];
}
