/**
 * The pure core of leasehold: Lease record logic, timing rules, the clock port and the store
 * port. No I/O and no Kubernetes client; importing it does not load `@kubernetes/client-node`.
 *
 * @module
 */
export { type Clock, MAX_TIMER_DELAY_MS, sleep, systemClock, type TimerHandle } from './clock.js';
export {
  DEFAULT_TIMING,
  defaultDrainTimeoutMs,
  type ElectionConfig,
  type ElectionConfigInput,
  type ElectionTiming,
  resolveConfig,
} from './config.js';
export {
  ConfigError,
  DrainTimeoutError,
  ElectorStoppedError,
  isStoreError,
  LeadershipLostError,
  LeaseholdError,
  LeaseStoreError,
  type LeaseStoreErrorKind,
  MalformedLeaseError,
  type TermEndReason,
} from './errors.js';
export {
  compareFences,
  FENCING_EPOCH_ANNOTATION,
  fenceOf,
  fencingEpochOf,
  isDecimalVersion,
  NO_EPOCH,
} from './fence.js';
export {
  acquisitionFields,
  type ElectionFields,
  type LeaseMetadata,
  type LeaseObject,
  type LeaseRecord,
  type LeaseTemplate,
  newLeaseObject,
  parseLease,
  releaseFields,
  renewalFields,
  type StoredLease,
  sameRecord,
  UNKNOWN_HOLDER,
  withElectionFields,
} from './lease-record.js';
export type {
  LeaseListing,
  LeaseStore,
  LeaseWatchEvent,
  LeaseWatchOptions,
} from './lease-store.js';
export {
  type AbsenceNote,
  expiresAt,
  holderDurationMs,
  holderOf,
  isAcquirable,
  isOlderVersion,
  type LeaseView,
  observe,
  prefersAnother,
  UNSYNCED_VIEW,
} from './lease-view.js';
export { type LogFields, type Logger, silentLogger } from './logger.js';
export {
  createManualClock,
  flushMicrotasks,
  type ManualClock,
  type ManualClockOptions,
} from './manual-clock.js';
export { formatMicroTime, isWireMicroTime, parseMicroTime } from './micro-time.js';
