/**
 * A small SVG writer for the report's charts: grouped horizontal bars on a linear or
 * logarithmic axis. No dependencies; the output is deterministic for the same input.
 */

export interface Bar {
  readonly label: string;
  /** null: no value (drawn as "n/a" with the reason in `note`). */
  readonly value: number | null;
  readonly color: string;
  readonly note?: string;
}

export interface BarGroup {
  readonly label: string;
  readonly bars: readonly Bar[];
}

export interface BarChartOptions {
  readonly title: string;
  readonly unit: string;
  readonly groups: readonly BarGroup[];
  readonly log?: boolean;
  /** Vertical marker lines, e.g. a target. */
  readonly markers?: readonly { value: number; label: string }[];
  readonly width?: number;
}

function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

export function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (Number.isInteger(v) && a < 10_000) return String(v);
  if (a >= 100_000) return `${Math.round(v / 1000)}k`;
  if (a >= 10_000) return `${(v / 1000).toFixed(1)}k`;
  if (a >= 100) return String(Math.round(v));
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(2);
}

export function barChart(o: BarChartOptions): string {
  const width = o.width ?? 760;
  const labelW = 230;
  const valueW = 90;
  const plotW = width - labelW - valueW - 20;
  const rowH = 18;
  const groupGap = 12;
  const top = 44;
  const values = o.groups.flatMap((g) =>
    g.bars.flatMap((b) => (b.value === null ? [] : [b.value])),
  );
  const markerValues = (o.markers ?? []).map((m) => m.value);
  const all = [...values, ...markerValues].filter((v) => v > 0);
  const maxV = Math.max(1e-9, ...all);
  const minPos = Math.min(maxV, ...all);
  let x: (v: number) => number;
  let ticks: number[];
  if (o.log) {
    const lo = 10 ** Math.floor(Math.log10(minPos));
    const hi = 10 ** Math.ceil(Math.log10(maxV));
    const span = Math.log10(hi) - Math.log10(lo) || 1;
    x = (v) => labelW + (plotW * (Math.log10(Math.max(v, lo)) - Math.log10(lo))) / span;
    ticks = [];
    for (let t = lo; t <= hi * 1.0001; t *= 10) ticks.push(t);
  } else {
    const step = 10 ** Math.floor(Math.log10(maxV));
    const hi = Math.ceil(maxV / step) * step;
    x = (v) => labelW + (plotW * v) / hi;
    ticks = [];
    const n = Math.round(hi / step);
    const every = n > 6 ? Math.ceil(n / 6) : 1;
    for (let i = 0; i <= n; i += every) ticks.push(i * step);
  }
  const rows = o.groups.reduce((s, g) => s + g.bars.length, 0);
  const height = top + rows * rowH + o.groups.length * (groupGap + 16) + 40;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">`,
    `<title>${esc(o.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="600">${esc(o.title)}</text>`,
    `<text x="${width - 12}" y="22" text-anchor="end" fill="#555">${esc(o.unit)}${o.log ? ' (log scale)' : ''}</text>`,
  );
  const plotBottom = height - 30;
  for (const t of ticks) {
    const tx = x(t).toFixed(1);
    out.push(
      `<line x1="${tx}" y1="${top - 6}" x2="${tx}" y2="${plotBottom}" stroke="#e3e3e3"/>`,
      `<text x="${tx}" y="${plotBottom + 14}" text-anchor="middle" fill="#666">${fmt(t)}</text>`,
    );
  }
  let y = top;
  for (const g of o.groups) {
    out.push(`<text x="12" y="${y + 10}" font-weight="600">${esc(g.label)}</text>`);
    y += 16;
    for (const b of g.bars) {
      out.push(`<text x="${labelW - 8}" y="${y + 13}" text-anchor="end">${esc(b.label)}</text>`);
      if (b.value === null) {
        out.push(
          `<text x="${labelW + 4}" y="${y + 13}" fill="#b00020">${esc(b.note ?? 'n/a')}</text>`,
        );
      } else {
        const w = Math.max(1, x(b.value) - labelW);
        out.push(
          `<rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${b.color}"/>`,
          `<text x="${(labelW + w + 4).toFixed(1)}" y="${y + 13}" fill="#222">${fmt(b.value)}${b.note ? ` ${esc(b.note)}` : ''}</text>`,
        );
      }
      y += rowH;
    }
    y += groupGap;
  }
  for (const m of o.markers ?? []) {
    const mx = x(m.value).toFixed(1);
    out.push(
      `<line x1="${mx}" y1="${top - 6}" x2="${mx}" y2="${plotBottom}" stroke="#d32f2f" stroke-dasharray="4 3"/>`,
      `<text x="${mx}" y="${top - 10}" text-anchor="middle" fill="#d32f2f">${esc(m.label)}</text>`,
    );
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
