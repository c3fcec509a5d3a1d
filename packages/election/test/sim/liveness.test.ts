/**
 * L1–L3 in healthy worlds, default size: handover times after a crash or a release, terms that
 * survive one transient error, and stop() settling even while the API is unreachable.
 */
import { defineLivenessProperties } from './harness/properties.js';
import { DEFAULT_RUNS } from './harness/run-sizes.js';

defineLivenessProperties('liveness', DEFAULT_RUNS.liveness);
