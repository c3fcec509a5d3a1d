/**
 * Deep run, chaos shard 2 of DEEP_CHAOS_SHARDS: LEASEHOLD_SIM_RUNS / shards schedules.
 */
import { defineChaosProperty } from './harness/properties.js';
import { deepRuns } from './harness/run-sizes.js';

// Shard index 1: under a pinned LEASEHOLD_SIM_SEED this shard runs from seed + 1.
defineChaosProperty('deep chaos shard 2', deepRuns().chaosPerShard, 1);
