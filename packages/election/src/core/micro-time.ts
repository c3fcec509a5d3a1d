/**
 * Kubernetes `MicroTime`: RFC 3339 in UTC with exactly six fractional digits.
 *
 * @remarks
 * The API server rejects `Date.prototype.toISOString()` output (three digits) with a 400, and
 * client-go writes six digits; so do we. JavaScript dates hold milliseconds, so the last three
 * digits are always zero on our side; parsing accepts any precision but keeps milliseconds.
 *
 * @module
 */

const MICRO_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** Formats epoch milliseconds as a MicroTime string, e.g. `2026-11-25T19:48:28.123000Z`. */
export function formatMicroTime(epochMs: number): string {
  const iso = new Date(epochMs).toISOString(); // YYYY-MM-DDTHH:mm:ss.sssZ
  return `${iso.slice(0, 23)}000Z`;
}

/** Parses a MicroTime (or any RFC 3339 time) to epoch ms; `null` when it is not one. */
export function parseMicroTime(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const match = MICRO_TIME.exec(value);
  if (!match) return null;
  const fraction = (match[2] ?? '').padEnd(3, '0').slice(0, 3);
  const ms = Date.parse(`${match[1]}.${fraction}${match[3]}`);
  return Number.isFinite(ms) ? ms : null;
}

/** True when `value` has exactly the wire shape the API server accepts for a MicroTime. */
export function isWireMicroTime(value: unknown): value is string {
  return typeof value === 'string' && /\.\d{6}Z$/.test(value) && parseMicroTime(value) !== null;
}
