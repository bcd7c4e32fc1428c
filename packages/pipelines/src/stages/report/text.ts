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
  if (magnitude >= 0.01 && magnitude < 10_000) {
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

/** A ratio `a / b` as `7.4×`; undefined when it has no meaning. */
export function times(a: number, b: number): string | undefined {
  if (!(b > 0) || !Number.isFinite(a / b)) return undefined;
  return `${formatFixed(a / b, a / b >= 10 ? 0 : 1)}×`;
}
