/**
 * The steps a schedule is made of. Each one is total: it names an elector slot modulo the
 * number of slots and does nothing when it does not apply (stopping a crashed elector), so
 * shrinking can drop any step without making the others invalid.
 *
 * @module
 */
import type { LeaseStoreErrorKind } from '../../../src/core/errors.js';
import type { LinkProfileName } from './link-profiles.js';
import type { CallFault, CallMethod, PartitionMode } from './transport.js';

/**
 * Which elector a step is aimed at: a slot (taken modulo the number of slots), or whoever is
 * leader at that moment (slot 0 when nobody is) — the most interesting target of most faults.
 */
export type Target = number | 'leader';

export type Step =
  /** Let `ms` of real time pass. */
  | { readonly kind: 'advance'; readonly ms: number }
  /** The user calls `stop()`. */
  | { readonly kind: 'stop'; readonly slot: Target }
  /** The user calls `stepDown()`. */
  | { readonly kind: 'stepDown'; readonly slot: Target }
  /** The process dies. */
  | { readonly kind: 'crash'; readonly slot: Target }
  /** A new process takes the slot (the old one crashes first if alive). */
  | { readonly kind: 'restart'; readonly slot: Target; readonly sameIdentity: boolean }
  /** The process pauses for `ms` of real time. */
  | { readonly kind: 'stall'; readonly slot: Target; readonly ms: number }
  | { readonly kind: 'partition'; readonly slot: Target; readonly mode: PartitionMode }
  | { readonly kind: 'heal'; readonly slot: Target }
  /** The elector's next call (of `method`, or any) suffers `fault`. */
  | {
      readonly kind: 'fail';
      readonly slot: Target;
      readonly fault: CallFault;
      readonly method: CallMethod | null;
    }
  /** The elector's watch stream ends: cleanly, with 410 Gone, or with an error. */
  | {
      readonly kind: 'dropWatch';
      readonly slot: Target;
      readonly end: 'clean' | Extract<LeaseStoreErrorKind, 'gone' | 'unavailable'>;
    }
  /** The server compacts its history and expires every watch (410 for everyone). */
  | { readonly kind: 'goneAll' }
  /** The server compacts its history (the next watch from an old version gets 410). */
  | { readonly kind: 'compact' }
  /** The server sends a bookmark on every watch. */
  | { readonly kind: 'bookmark' }
  /** The in-memory store's own fault queue: the next call of `method`, whoever sends it. */
  | {
      readonly kind: 'storeFail';
      readonly error: 'unavailable' | 'conflict';
      readonly method: CallMethod;
      readonly afterCommit: boolean;
    }
  | { readonly kind: 'link'; readonly slot: Target; readonly profile: LinkProfileName }
  /** The clock of the slot's process runs at a new rate: `fraction` of the way across the bound. */
  | { readonly kind: 'rate'; readonly slot: Target; readonly fraction: number }
  /** The wall clock of the slot's process jumps (NTP step); only written, never compared. */
  | { readonly kind: 'wallStep'; readonly slot: Target; readonly ms: number }
  | { readonly kind: 'wallFreeze'; readonly slot: Target; readonly frozen: boolean }
  /** An operator sets `preferredHolder` to the slot's identity (`null`: removes it). */
  | { readonly kind: 'prefer'; readonly slot: Target | null }
  /** An operator edits a label: a metadata-only change that moves the version. */
  | { readonly kind: 'label' }
  /** An operator (or a cleanup job) deletes the Lease, whoever holds it. */
  | { readonly kind: 'deleteLease' };

const at = (target: Target) => (target === 'leader' ? 'leader' : `#${target}`);

/** One line per step, the way a shrunk schedule is printed. */
export function describeStep(step: Step): string {
  switch (step.kind) {
    case 'advance':
      return `advance(${step.ms}ms)`;
    case 'stop':
    case 'stepDown':
    case 'crash':
    case 'heal':
      return `${step.kind}(${at(step.slot)})`;
    case 'restart':
      return `restart(${at(step.slot)}${step.sameIdentity ? ', same identity' : ''})`;
    case 'stall':
      return `stall(${at(step.slot)}, ${step.ms}ms)`;
    case 'partition':
      return `partition(${at(step.slot)}, ${step.mode})`;
    case 'fail':
      return `fail(${at(step.slot)}, ${step.fault}${step.method ? ` on ${step.method}` : ''})`;
    case 'dropWatch':
      return `dropWatch(${at(step.slot)}, ${step.end})`;
    case 'goneAll':
    case 'compact':
    case 'bookmark':
    case 'label':
    case 'deleteLease':
      return `${step.kind}()`;
    case 'storeFail':
      return `storeFail(${step.error} on ${step.method}${step.afterCommit ? ', after commit' : ''})`;
    case 'link':
      return `link(${at(step.slot)}, ${step.profile})`;
    case 'rate':
      return `rate(${at(step.slot)}, ${step.fraction.toFixed(3)} of bound)`;
    case 'wallStep':
      return `wallStep(${at(step.slot)}, ${step.ms}ms)`;
    case 'wallFreeze':
      return `wallFreeze(${at(step.slot)}, ${step.frozen})`;
    case 'prefer':
      return step.slot === null ? 'prefer(none)' : `prefer(${at(step.slot)})`;
  }
}
