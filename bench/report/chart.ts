// The results chart as hand-written SVG (no dependency): grouped bars, one group per engine, one bar
// per policy size (12 and 1,012 rules), on a log-scale y axis with labelled decades, and a legend.
// Each bar carries data-engine / data-size attributes so tests can count them.

import type { PolicySize } from "../engines/types.js";
import { formatNs } from "../harness.js";

export interface ChartEntry {
  /** group label under the bars */
  readonly label: string;
  /** engine id (data-engine attribute) */
  readonly engine: string;
  /** median ns per decision for each size; a missing size draws no bar */
  readonly ns: Partial<Record<PolicySize, number>>;
  /** drawn with a bold label (the engine under test) */
  readonly highlight?: boolean;
  /**
   * the sizes whose figure is not a median over the whole mix (a slow engine, timed over a
   * subsample): the bar's figure and the group's label carry an asterisk, which a subtitle line explains
   */
  readonly marked?: Partial<Record<PolicySize, boolean>>;
}

export interface ChartOptions {
  readonly title: string;
  readonly subtitle?: string;
  /** a second subtitle line: what the asterisk of the marked bars means */
  readonly markedNote?: string;
}

const SIZES: readonly { size: PolicySize; name: string; color: string }[] = [
  { size: "small", name: "12 rules", color: "#2b6cb0" },
  { size: "large", name: "1,012 rules", color: "#dd6b20" },
];

const WIDTH = 960;
const HEIGHT = 450;
const MARGIN = { top: 78, right: 24, bottom: 60, left: 78 };
const BAR_GAP = 6;

export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** 1 ns, 10 ns, ..., 1 µs, 10 µs, ... */
function decadeLabel(exponent: number): string {
  const units = ["ns", "µs", "ms", "s"];
  const unit = units[Math.min(3, Math.floor(exponent / 3))]!;
  const value = 10 ** (exponent - 3 * Math.min(3, Math.floor(exponent / 3)));
  return `${value} ${unit}`;
}

function isMarked(entry: ChartEntry): boolean {
  return SIZES.some((s) => entry.marked?.[s.size] === true && entry.ns[s.size] !== undefined);
}

export function renderChart(entries: readonly ChartEntry[], options: ChartOptions): string {
  const values = entries.flatMap((e) => SIZES.map((s) => e.ns[s.size]).filter((v): v is number => v !== undefined && v > 0));
  const lo = Math.floor(Math.log10(Math.max(1, Math.min(...values, 10))));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...values, 100))));
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const y = (ns: number): number => MARGIN.top + plotH * (1 - (Math.log10(ns) - lo) / (hi - lo));
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="Helvetica, Arial, sans-serif" role="img">`,
    `<title>${escapeXml(options.title)}</title>`,
    `<rect x="0" y="0" width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left}" y="28" font-size="18" font-weight="bold" fill="#1a202c">${escapeXml(options.title)}</text>`,
  );
  if (options.subtitle !== undefined) {
    out.push(`<text x="${MARGIN.left}" y="48" font-size="12" fill="#4a5568">${escapeXml(options.subtitle)}</text>`);
  }
  if (options.markedNote !== undefined && entries.some((e) => isMarked(e))) {
    out.push(`<text x="${MARGIN.left}" y="64" font-size="11" fill="#4a5568">${escapeXml(options.markedNote)}</text>`);
  }
  // decades: grid line and label
  for (let e = lo; e <= hi; e++) {
    const gy = y(10 ** e).toFixed(1);
    out.push(
      `<line x1="${MARGIN.left}" y1="${gy}" x2="${WIDTH - MARGIN.right}" y2="${gy}" stroke="#e2e8f0" stroke-width="1"/>`,
      `<text x="${MARGIN.left - 8}" y="${gy}" font-size="12" fill="#4a5568" text-anchor="end" dominant-baseline="middle">${decadeLabel(e)}</text>`,
    );
  }
  out.push(
    `<text transform="translate(18 ${MARGIN.top + plotH / 2}) rotate(-90)" font-size="12" fill="#4a5568" text-anchor="middle">median time per decision (log scale)</text>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${MARGIN.top + plotH}" stroke="#718096"/>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top + plotH}" x2="${WIDTH - MARGIN.right}" y2="${MARGIN.top + plotH}" stroke="#718096"/>`,
  );
  const groupW = plotW / Math.max(1, entries.length);
  const barW = Math.min(40, (groupW * 0.75) / SIZES.length);
  entries.forEach((entry, g) => {
    const cx = MARGIN.left + groupW * (g + 0.5);
    SIZES.forEach((s, k) => {
      const ns = entry.ns[s.size];
      if (ns === undefined || !(ns > 0)) return;
      const x = cx + (k - SIZES.length / 2) * barW + BAR_GAP / 2;
      const top = Math.min(y(ns), MARGIN.top + plotH - 1);
      const h = MARGIN.top + plotH - top;
      out.push(
        `<rect class="bar" data-engine="${escapeXml(entry.engine)}" data-size="${s.size}" x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${(barW - BAR_GAP).toFixed(1)}" height="${h.toFixed(1)}" fill="${s.color}"><title>${escapeXml(`${entry.label}, ${s.name}: ${formatNs(ns)}`)}</title></rect>`,
        `<text x="${(x + (barW - BAR_GAP) / 2).toFixed(1)}" y="${(top - 4).toFixed(1)}" font-size="9.5" fill="#2d3748" text-anchor="middle">${escapeXml(formatNs(ns) + (entry.marked?.[s.size] === true ? "*" : ""))}</text>`,
      );
    });
    const label = isMarked(entry) ? `${entry.label}*` : entry.label;
    const words = label.split(" ");
    const lines = words.length > 2 ? [words.slice(0, Math.ceil(words.length / 2)).join(" "), words.slice(Math.ceil(words.length / 2)).join(" ")] : [label];
    lines.forEach((line, i) => {
      const weight = entry.highlight === true ? ` font-weight="bold"` : "";
      out.push(`<text x="${cx.toFixed(1)}" y="${MARGIN.top + plotH + 18 + i * 14}" font-size="12"${weight} fill="#1a202c" text-anchor="middle">${escapeXml(line)}</text>`);
    });
  });
  // legend
  SIZES.forEach((s, k) => {
    const lx = WIDTH - MARGIN.right - 230 + k * 115;
    out.push(
      `<rect x="${lx}" y="14" width="14" height="14" fill="${s.color}"/>`,
      `<text x="${lx + 20}" y="25" font-size="13" fill="#1a202c">${s.name}</text>`,
    );
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
