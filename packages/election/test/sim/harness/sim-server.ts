/**
 * The API server of the simulation: the real in-memory store (the server's semantics) plus a
 * note of which client caused each write, so the write log can be checked per elector.
 *
 * @module
 */
import { LeaseStoreError } from '../../../src/core/errors.js';
import type { LeaseObject } from '../../../src/core/lease-record.js';
import {
  createInMemoryLeaseStore,
  type InMemoryLeaseStore,
  type LeaseWriteRecord,
} from '../../../src/store/index.js';
import type { World } from './world.js';

export const LEASE_NAME = 'sim-lease';
export const LEASE_NAMESPACE = 'sim';

/** Who sent a write, and the version they asked it to be conditioned on. */
export interface WriteAttribution {
  readonly client: string;
  readonly method: 'create' | 'replace';
  /** The precondition the client sent; `null` for a create. */
  readonly requestedVersion: string | null;
}

export interface SimServer {
  readonly store: InMemoryLeaseStore;
  /**
   * Performs one client call against the store and attributes the writes it made. Calls from
   * different clients never interleave inside the store: each runs within one world event.
   */
  apply<T>(
    client: string,
    write: Omit<WriteAttribution, 'client'> | null,
    perform: (signal: AbortSignal) => Promise<T>,
  ): Promise<T>;
  /** Attribution of a write, by its `sequence` in `store.writes`. */
  attribution(record: LeaseWriteRecord): WriteAttribution | undefined;
  /**
   * An operator edit, as `kubectl edit` does it: read, change, replace at the version read.
   * Returns false when there is no Lease to edit.
   */
  operatorEdit(edit: (object: LeaseObject) => LeaseObject): Promise<boolean>;
}

/** The server never cancels its own work: a client's abort only stops the client waiting. */
const SERVER_SIGNAL = new AbortController().signal;

export function createSimServer(world: World): SimServer {
  const store = createInMemoryLeaseStore({
    name: LEASE_NAME,
    namespace: LEASE_NAMESPACE,
    clock: world.clock,
    // As a deployment pre-creates it: an absent Lease is waited out for a lease duration.
    precreated: true,
  });
  const attributions = new Map<number, WriteAttribution>();

  const server: SimServer = {
    store,
    async apply<T>(
      client: string,
      write: Omit<WriteAttribution, 'client'> | null,
      perform: (signal: AbortSignal) => Promise<T>,
    ): Promise<T> {
      const before = store.writes.length;
      const attribute = () => {
        const made = store.writes.slice(before);
        if (write === null) return;
        // One call, one write at most: anything else means calls interleaved in the store.
        if (made.length > 1) {
          throw new Error(`harness: one ${write.method} made ${made.length} writes`);
        }
        const record = made[0];
        if (record) attributions.set(record.sequence, { client, ...write });
      };
      let result: T;
      try {
        result = await perform(SERVER_SIGNAL);
      } catch (error) {
        attribute();
        throw error;
      }
      attribute();
      return result;
    },
    attribution: (record) => attributions.get(record.sequence),
    async operatorEdit(edit) {
      // Like kubectl: read, change, write at the version read; retry on conflict, give up on
      // anything else (the operator's problem, not the electors').
      for (let attempt = 0; attempt < 5; attempt++) {
        const current = store.current();
        if (current === null) return false;
        try {
          await server.apply(
            'operator',
            { method: 'replace', requestedVersion: current.resourceVersion },
            (signal) => store.replace(edit(current.object), current.resourceVersion, signal),
          );
          return true;
        } catch (error) {
          if (!(error instanceof LeaseStoreError && error.kind === 'conflict')) return false;
        }
      }
      return false;
    },
  };
  return server;
}
