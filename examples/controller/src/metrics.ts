// Prometheus metrics: the library's election series (including client-go's
// leader_election_master_status gauge) plus one counter of the controller's own.
import type { LeaderElector } from '@leasehold/election';
import { instrumentElector } from '@leasehold/election/prometheus';
import { Counter, collectDefaultMetrics, Registry } from 'prom-client';

export interface ControllerMetrics {
  readonly registry: Registry;
  reconciled(): void;
}

export function createMetrics(elector: LeaderElector): ControllerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  instrumentElector(elector, { registry });
  const reconciles = new Counter({
    name: 'example_controller_reconciles_total',
    help: 'Reconcile passes completed while leading.',
    registers: [registry],
  });
  return { registry, reconciled: () => reconciles.inc() };
}
