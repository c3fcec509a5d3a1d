/**
 * Deep run, chaos shard 1 of DEEP_CHAOS_SHARDS: LEASEHOLD_SIM_RUNS / shards schedules.
 */
import { defineChaosProperty } from './harness/properties.js';
import { deepRuns } from './harness/run-sizes.js';

// Shard index 0: under a pinned LEASEHOLD_SIM_SEED this shard runs from seed + 0.
defineChaosProperty('deep chaos shard 1', deepRuns().chaosPerShard, 0);
