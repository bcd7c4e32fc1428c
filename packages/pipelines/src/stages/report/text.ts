/**
 * Numbers as the report's sentences quote them. Tables format their own cells; conclusions use these, so a
 * number reads the same in a sentence as in the table next to it.
 */
import { formatDuration, formatFixed, formatInteger, formatPercent, formatScientific } from '../../report/index.ts';

/** A fraction as a percentage: 0.4567 -> `45.7%`. */
export const pct = (fraction: number, decimals = 1): string => formatPercent(fraction, decimals);

export const fixed = (value: number, decimals = 3): string => formatFixed(value, decimals);

export const int = (value: number): string => formatInteger(value);

export const seconds = (value: number): string => formatDuration(value * 1000);

/** BLEU scores, on sacreBLEU's 0-100 scale, with one decimal as sacreBLEU prints them. */
export const bleu = (score: number): string => formatFixed(score, 1);

/** A difference of two fractions in percentage points, signed: 0.031 -> `+3.1 pp`. */
export function pp(difference: number, decimals = 1): string {
  return `${signed(difference * 100, decimals)} pp`;
}

/** `+0.42`, `−1.30`, `±0.00`. */
export function signed(value: number, decimals = 2): string {
  const text = formatFixed(Math.abs(value), decimals);
  if (Number(text) === 0) return `±${text}`;
  return `${value > 0 ? '+' : '−'}${text}`;
}

/** Gradient norms span many decades: 3 significant digits in a readable range, scientific notation outside it. */
export function norm(value: number): string {
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 0.001 && magnitude < 10_000) {
    const decimals = Math.max(0, 2 - Math.floor(Math.log10(magnitude)));
    return formatFixed(value, decimals);
  }
  return formatScientific(value, 2);
}

/** `a`, `a and b`, `a, b and c`. */
export function joinList(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${int(n)} ${n === 1 ? one : many}`;
}

/** A ratio `a / b` as `1.04×`, `7.4×`, `125×`; undefined when it has no meaning. */
export function times(a: number, b: number): string | undefined {
  const ratio = a / b;
  if (!(b > 0) || !Number.isFinite(ratio)) return undefined;
  // Near 1 a ratio needs two decimals, or 1.04 would print as a misleading "1.0×".
  return `${formatFixed(ratio, ratio >= 10 ? 0 : ratio >= 2 ? 1 : 2)}×`;
}

/**
 * Two-proportion z statistic of e1/n1 against e2/n2 (pooled standard error); undefined when it is not defined.
 * |z| >= 1.96 is a difference at the 5% level, the bar a sentence must clear before it claims one.
 */
export function twoProportionZ(e1: number, n1: number, e2: number, n2: number): number | undefined {
  if (n1 === 0 || n2 === 0) return undefined;
  const pooled = (e1 + e2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  return se > 0 ? (e1 / n1 - e2 / n2) / se : undefined;
}

/** `label (detail)`, or just the label when it already says the detail (a run labelled "GRU" is not "GRU (GRU)"). */
export function labelWith(label: string, detail: string): string {
  return label.toLowerCase().includes(detail.toLowerCase()) ? label : `${label} (${detail})`;
}
