/**
 * Deep run of L1–L3: LEASEHOLD_SIM_RUNS / 10 schedules per property.
 */
import { defineLivenessProperties } from './harness/properties.js';
import { deepRuns } from './harness/run-sizes.js';

defineLivenessProperties('deep liveness', deepRuns().liveness);
