/**
 * A prom-client registry per elector, and reading one series from it; shared by the
 * Prometheus tests here and the real-apiserver suite (test/kube), which does not depend on
 * prom-client itself.
 *
 * @module
 */
import { Registry } from 'prom-client';
import type { ObservableElector } from '../../src/metrics/election-metrics.js';
import { instrumentElector } from '../../src/prometheus.js';

/** Instruments `elector` on a registry of its own, as a process would have. */
export function scrapedElector(elector: ObservableElector) {
  const registry = new Registry();
  instrumentElector(elector, { registry });
  return {
    registry,
    /** The exposition text, as a scrape sees it. */
    text: () => registry.metrics(),
    /** The value of one series (0 when it does not exist yet). */
    async value(name: string, labels: Record<string, string> = {}) {
      const metric = registry.getSingleMetric(name);
      if (!metric) throw new Error(`no metric ${name}`);
      const { values } = await metric.get();
      const found = values.find((v) =>
        Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want),
      );
      return found?.value ?? 0;
    },
  };
}
