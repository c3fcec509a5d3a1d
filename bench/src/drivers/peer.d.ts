/** Typings for the parts of @codedependant/kubernetes-leader-election 1.0.1 the bench uses. */
declare module '@codedependant/kubernetes-leader-election' {
  import type { EventEmitter } from 'node:events';

  export interface ElectorOptions {
    auto_close?: boolean;
    identity?: string;
    lease_duration_sec?: number;
    lease_name?: string;
    log?: unknown;
    namespace?: string;
    renew_interval_ms?: number;
    wait_for_leadership?: boolean;
  }

  export interface PeerLease {
    spec?: { holderIdentity?: string | null; renewTime?: unknown };
  }

  export class Elector extends EventEmitter {
    constructor(options?: ElectorOptions);
    readonly current_leader: boolean;
    readonly identity: string;
    start(): Promise<void>;
    stop(): Promise<void>;
    getLease(): Promise<PeerLease>;
    tryToBecomeLeader(): Promise<void>;
  }

  export const EVENTS: {
    LEADERSHIP_LOST: string;
    LEADERSHIP_ACQUIRED: string;
    LEASE_RENEWED: string;
  };

  const pkg: { Elector: typeof Elector; EVENTS: typeof EVENTS };
  export default pkg;
}
