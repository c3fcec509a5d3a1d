// A few Prometheus series in the text exposition format, kept by hand so that the example has
// no dependency beyond @leasehold/election.
import type { LeaderElector } from '@leasehold/election';

export interface ControllerMetrics {
  reconciled(): void;
  /** The exposition text for GET /metrics. */
  render(): string;
}

export function createMetrics(elector: LeaderElector, lease: string): ControllerMetrics {
  let terms = 0;
  let reconciles = 0;
  let lastToken = -1;
  elector.state$.subscribe((state) => {
    if (state.term && state.term.fencingToken !== lastToken) {
      lastToken = state.term.fencingToken;
      terms += 1;
    }
  });
  return {
    reconciled: () => {
      reconciles += 1;
    },
    render: () => {
      const label = `{name="${lease}"}`;
      return [
        '# HELP leader_election_master_status 1 while this process leads the Lease (client-go name).',
        '# TYPE leader_election_master_status gauge',
        `leader_election_master_status${label} ${elector.isLeader ? 1 : 0}`,
        '# HELP example_controller_terms_total Terms this process has begun.',
        '# TYPE example_controller_terms_total counter',
        `example_controller_terms_total${label} ${terms}`,
        '# HELP example_controller_reconciles_total Reconcile passes completed while leading.',
        '# TYPE example_controller_reconciles_total counter',
        `example_controller_reconciles_total${label} ${reconciles}`,
        '',
      ].join('\n');
    },
  };
}
