/**
 * The chaos property, default size: random worlds and random schedules of faults, with S1–S3
 * checked at every event and recovery (a leader, then a clean stop) checked at the end.
 */
import { defineChaosProperty } from './harness/properties.js';
import { DEFAULT_RUNS } from './harness/run-sizes.js';

defineChaosProperty('chaos', DEFAULT_RUNS.chaos);
