/**
 * Deep run, chaos shard 2 of DEEP_CHAOS_SHARDS: LEASEHOLD_SIM_RUNS / shards schedules.
 */
import { defineChaosProperty } from './harness/properties.js';
import { deepRuns } from './harness/run-sizes.js';

defineChaosProperty('deep chaos shard 2', deepRuns().chaosPerShard);
