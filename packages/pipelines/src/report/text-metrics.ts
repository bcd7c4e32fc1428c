/**
 * Text widths for chart layout without a canvas.
 *
 * Vega sizes axes, legends and titles from text widths. In Node it measures with the optional `canvas` package
 * when that happens to be installed and otherwise guesses `0.8 × fontSize` per character; either way the SVG
 * bytes would depend on the machine. We install one fixed measure instead: the advance widths of Helvetica
 * (Adobe's core-font metrics, per 1000 units of em). Arial and Liberation Sans share these widths, and the chart
 * theme asks for exactly those fonts, so the layout computed here matches what a browser draws.
 */
import * as vega from 'vega';

// Printable ASCII 32..126, regular and bold.
// prettier-ignore
const REGULAR = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space ! " # $ % & ' ( ) * + , - . /
  556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0-9 : ; < = > ?
  1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @ A-O
  667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P-Z [ \ ] ^ _
  333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // ` a-o
  556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p-z { | } ~
];
// prettier-ignore
const BOLD = [
  278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
  556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
  975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
  667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
  333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
  611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
];

// Characters outside ASCII that charts here actually use (dashes, arrows, math, IPA falls back to the default).
const EXTRA: Record<string, number> = {
  '–': 556, '—': 1000, '−': 584, '…': 1000, '·': 278, '×': 584, '≤': 549, '≥': 549, '→': 1000, '←': 1000,
  '‖': 500, '∂': 494, '∞': 713, '≈': 584, '±': 584, '′': 247, '“': 333, '”': 333, '‘': 222, '’': 222, '°': 400,
};

/** Average lowercase width: the best guess for letters we have no metrics for (IPA, Greek, accented Latin). */
const DEFAULT_WIDTH = 556;

function isWide(code: number): boolean {
  // CJK, Hangul and full-width forms occupy a full em.
  return (code >= 0x1100 && code <= 0x115f) || (code >= 0x2e80 && code <= 0xa4cf) || (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) || (code >= 0xff00 && code <= 0xff60) || (code >= 0x20000 && code <= 0x3fffd);
}

/** Width in em/1000 units of one character. */
function advance(char: string, bold: boolean): number {
  const code = char.codePointAt(0)!;
  if (code >= 32 && code <= 126) return (bold ? BOLD : REGULAR)[code - 32]!;
  const extra = EXTRA[char];
  if (extra !== undefined) return extra;
  if (/\p{M}/u.test(char)) return 0; // combining marks sit on the previous letter
  return isWide(code) ? 1000 : DEFAULT_WIDTH;
}

function isBold(fontWeight: unknown): boolean {
  if (typeof fontWeight === 'number') return fontWeight >= 600;
  return fontWeight === 'bold' || fontWeight === 'bolder' || (typeof fontWeight === 'string' && Number(fontWeight) >= 600);
}

/** Width in pixels of `text` set in the chart font. */
export function measureText(text: string, fontSize: number, fontWeight?: unknown): number {
  const bold = isBold(fontWeight);
  let units = 0;
  for (const char of text) units += advance(char, bold);
  return (units * fontSize) / 1000;
}

interface TextItem {
  fontSize?: number;
  fontWeight?: unknown;
  limit?: number;
}

interface VegaTextMetrics {
  width: (item: TextItem, text: unknown) => number;
}

/** Vega's (undeclared in its typings) global text-metrics object. */
const textMetrics = (vega as unknown as { textMetrics: VegaTextMetrics }).textMetrics;

/** Width as Vega's layout expects it: 11 px default size, and never wider than the item's truncation limit. */
function vegaTextWidth(item: TextItem, text: unknown): number {
  const value = text == null ? '' : String(text).trim();
  const fontSize = item.fontSize != null ? Number(item.fontSize) || 0 : 11;
  if (fontSize <= 0 || value === '') return 0;
  const width = measureText(value, fontSize, item.fontWeight);
  // Vega truncates labels longer than `limit` with an ellipsis; the drawn text is then at most `limit` wide.
  return item.limit != null && item.limit > 0 ? Math.min(width, item.limit) : width;
}

/** Makes every later Vega layout in this process use the fixed metrics. Idempotent. */
export function useFixedTextMetrics(): void {
  textMetrics.width = vegaTextWidth;
}
