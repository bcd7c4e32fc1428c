/**
 * Number and text formatting shared by the Markdown and HTML renderers. Every function is locale-free (no
 * `toLocaleString`), so a report renders to the same bytes on every machine.
 */
import type { NumberFormat, TableCell } from './model.ts';

/** Non-finite values are real outcomes in this lab (a diverged run has a NaN loss), so they print, not throw. */
function nonFinite(value: number): string | undefined {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '∞';
  if (value === -Infinity) return '−∞';
  return undefined;
}

function checkDecimals(decimals: number, fn: string): void {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 20) {
    throw new RangeError(`${fn}: decimals must be an integer in [0, 20], got ${decimals}`);
  }
}

/** `formatFixed(0.12345, 3)` -> `0.123`. Negative zero prints as `0.000`. */
export function formatFixed(value: number, decimals: number): string {
  checkDecimals(decimals, 'formatFixed');
  const special = nonFinite(value);
  if (special !== undefined) return special;
  const text = value.toFixed(decimals);
  // `(-0.0001).toFixed(2)` is "-0.00"; a sign on a printed zero only confuses readers.
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text;
}

/** A fraction as a percentage: `formatPercent(0.2567, 1)` -> `25.7%`. */
export function formatPercent(fraction: number, decimals = 1): string {
  checkDecimals(decimals, 'formatPercent');
  const special = nonFinite(fraction);
  if (special !== undefined) return special;
  return `${formatFixed(fraction * 100, decimals)}%`;
}

/** Integers with comma thousands separators: `formatInteger(1234567)` -> `1,234,567`. */
export function formatInteger(value: number): string {
  const special = nonFinite(value);
  if (special !== undefined) return special;
  const rounded = Math.round(value);
  const digits = Math.abs(rounded).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return rounded < 0 ? `-${digits}` : digits;
}

/** `formatScientific(0.000123, 2)` -> `1.23e-4`. */
export function formatScientific(value: number, digits = 2): string {
  checkDecimals(digits, 'formatScientific');
  const special = nonFinite(value);
  if (special !== undefined) return special;
  return value.toExponential(digits).replace('e+', 'e');
}

/**
 * Milliseconds as a human duration with at most two units: `850 ms`, `4.2 s`, `3 min 05 s`, `2 h 07 min`.
 * Training times span milliseconds (a smoke step) to hours (the LM pipeline), so the unit follows the size.
 */
export function formatDuration(ms: number): string {
  const special = nonFinite(ms);
  if (special !== undefined) return special;
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${formatFixed(ms / 1000, ms < 10_000 ? 2 : 1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 3600) {
    const minutes = Math.floor(totalSeconds / 60);
    return `${minutes} min ${String(totalSeconds % 60).padStart(2, '0')} s`;
  }
  const totalMinutes = Math.round(ms / 60_000);
  const hours = Math.floor(totalMinutes / 60);
  return `${hours} h ${String(totalMinutes % 60).padStart(2, '0')} min`;
}

/** The default for numbers without a declared format: integers stay integers, the rest get 3 decimals. */
export function defaultFormat(value: number): NumberFormat {
  return Number.isInteger(value) ? { kind: 'integer' } : { kind: 'fixed', decimals: 3 };
}

export function formatNumber(value: number, format: NumberFormat = defaultFormat(value)): string {
  switch (format.kind) {
    case 'fixed':
      return formatFixed(value, format.decimals);
    case 'percent':
      return formatPercent(value, format.decimals);
    case 'integer':
      return formatInteger(value);
    case 'scientific':
      return formatScientific(value, format.digits);
    case 'duration':
      return formatDuration(value);
  }
}

/** A table cell as plain text (not yet escaped for Markdown or HTML). `null` is a missing value: an em dash. */
export function formatCell(cell: TableCell, format?: NumberFormat): string {
  if (cell === null) return '—';
  if (typeof cell === 'number') return formatNumber(cell, format);
  return cell;
}

/**
 * Text safe inside one GFM table cell: `|` would end the cell and a newline would end the row. Cells stay
 * markdown-ish text, so nothing else is escaped (GFM unescapes `\|` even inside code spans).
 */
export function escapeMarkdownTableCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

/** Text safe as HTML element content and inside double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
