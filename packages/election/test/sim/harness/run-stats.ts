/**
 * Totals over many schedules: how much simulated time, how many events and terms — evidence
 * that the properties were checked against busy worlds, not idle ones.
 *
 * @module
 */
import type { SimulationReport } from './simulation.js';

export interface RunStats {
  add(report: SimulationReport): void;
  format(title: string, wallMs: number): string;
}

export function createRunStats(): RunStats {
  let schedules = 0;
  let events = 0;
  let simulatedMs = 0;
  let terms = 0;
  let writes = 0;
  let withHandover = 0;
  return {
    add(report) {
      schedules++;
      events += report.events;
      simulatedMs += report.simulatedMs;
      terms += report.terms;
      writes += report.writes;
      if (report.terms >= 2) withHandover++;
    },
    format(title, wallMs) {
      const perSecond = schedules / (wallMs / 1000);
      return (
        `${title}: ${schedules} schedules in ${(wallMs / 1000).toFixed(1)} s ` +
        `(${perSecond.toFixed(0)} schedules/s), ${events} events, ` +
        `${(simulatedMs / 3_600_000).toFixed(1)} simulated hours, ${terms} terms ` +
        `(${withHandover} schedules with a handover), ${writes} writes`
      );
    },
  };
}
