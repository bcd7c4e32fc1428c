/**
 * Spanish cardinal numbers 0..999 999, written and read back.
 *
 * Convention (the counting form, masculine, as in RAE's Ortografía 2010):
 * - one word per token, accents kept: dieciséis, veintidós, veintitrés, veintiséis, veintiún;
 * - 16..19 and 21..29 are single words (dieciocho, veintiuno); 31..99 use "y" (treinta y uno);
 * - 100 is "cien", 101..199 "ciento ..." (ciento uno); 500 quinientos, 700 setecientos, 900 novecientos;
 * - 1000 is "mil", never "un mil"; 2000 "dos mil"; 100 000 "cien mil";
 * - "uno" ends a number (mil uno, treinta y uno); before "mil" it shortens to "un" (veintiún mil,
 *   treinta y un mil, ciento un mil). The feminine forms (doscientas, una) are not used.
 */

const UNITS_FINAL = ['cero', 'uno', 'dos', 'tres', 'cuatro', 'cinco', 'seis', 'siete', 'ocho', 'nueve'];
const TEN_TO_NINETEEN = [
  'diez', 'once', 'doce', 'trece', 'catorce', 'quince', 'dieciséis', 'diecisiete', 'dieciocho', 'diecinueve',
];
const TWENTIES_FINAL = [
  'veinte', 'veintiuno', 'veintidós', 'veintitrés', 'veinticuatro',
  'veinticinco', 'veintiséis', 'veintisiete', 'veintiocho', 'veintinueve',
];
const TENS = ['', '', '', 'treinta', 'cuarenta', 'cincuenta', 'sesenta', 'setenta', 'ochenta', 'noventa'];
const HUNDREDS = [
  '', 'ciento', 'doscientos', 'trescientos', 'cuatrocientos',
  'quinientos', 'seiscientos', 'setecientos', 'ochocientos', 'novecientos',
];

export const SPANISH_MAX = 999_999;

/** `beforeMil`: the group multiplies "mil", so a final "uno" becomes "un" (and "veintiuno" "veintiún"). */
function below100(n: number, beforeMil: boolean): string[] {
  if (n < 10) return [n === 1 && beforeMil ? 'un' : (UNITS_FINAL[n] as string)];
  if (n < 20) return [TEN_TO_NINETEEN[n - 10] as string];
  if (n < 30) return [n === 21 && beforeMil ? 'veintiún' : (TWENTIES_FINAL[n - 20] as string)];
  const tens = TENS[Math.floor(n / 10)] as string;
  const unit = n % 10;
  if (unit === 0) return [tens];
  return [tens, 'y', unit === 1 && beforeMil ? 'un' : (UNITS_FINAL[unit] as string)];
}

/** 1..999 */
function below1000(n: number, beforeMil: boolean): string[] {
  const hundreds = Math.floor(n / 100);
  const rest = n % 100;
  if (hundreds === 0) return below100(rest, beforeMil);
  if (rest === 0) return [hundreds === 1 ? 'cien' : (HUNDREDS[hundreds] as string)];
  return [HUNDREDS[hundreds] as string, ...below100(rest, beforeMil)];
}

export function spanishNumberWords(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > SPANISH_MAX) {
    throw new RangeError(`spanishNumberWords: ${n} is not an integer in 0..${SPANISH_MAX}`);
  }
  if (n === 0) return 'cero';
  const thousands = Math.floor(n / 1000);
  const rest = n % 1000;
  const words: string[] = [];
  if (thousands === 1) words.push('mil');
  else if (thousands > 1) words.push(...below1000(thousands, true), 'mil');
  if (rest > 0) words.push(...below1000(rest, false));
  return words.join(' ');
}

// ---------------------------------------------------------------------------------------------------------------
// Reading back: a small recursive-descent parser over the grammar above. It is strict (it rejects "un mil",
// "cien uno", "veinte y uno", "treinta y un" at the end, missing accents), so a test that reads every generated
// number back checks the generator against the grammar rather than against itself.

type Form = 'final' | 'beforeMil';

const lookup = (words: readonly string[]): Map<string, number> => new Map(words.map((w, i) => [w, i]));
const UNIT_FINAL_VALUES = lookup(UNITS_FINAL);
const TEEN_VALUES = lookup(TEN_TO_NINETEEN);
const TWENTY_FINAL_VALUES = lookup(TWENTIES_FINAL);
const TENS_VALUES = lookup(TENS);
const HUNDRED_VALUES = lookup(HUNDREDS);

class Cursor {
  index = 0;
  constructor(readonly tokens: readonly string[], readonly text: string) {}
  peek(): string | undefined {
    return this.tokens[this.index];
  }
  take(): string | undefined {
    return this.tokens[this.index++];
  }
  fail(why: string): never {
    throw new SyntaxError(`parseSpanishNumber: ${JSON.stringify(this.text)}: ${why}`);
  }
}

/** A digit 1..9 in the given form; "uno" only ends a number, "un" only precedes "mil". */
function unitValue(word: string | undefined, form: Form): number | undefined {
  if (word === undefined) return undefined;
  if (word === 'un') return form === 'beforeMil' ? 1 : undefined;
  if (word === 'uno') return form === 'final' ? 1 : undefined;
  const value = UNIT_FINAL_VALUES.get(word);
  return value !== undefined && value >= 2 ? value : undefined;
}

/** 1..99, or undefined when the next word does not start one. */
function parseBelow100(cursor: Cursor, form: Form): number | undefined {
  const word = cursor.peek();
  if (word === undefined) return undefined;
  const unit = unitValue(word, form);
  if (unit !== undefined) {
    cursor.take();
    return unit;
  }
  const teen = TEEN_VALUES.get(word);
  if (teen !== undefined) {
    cursor.take();
    return 10 + teen;
  }
  if (word === 'veintiún') {
    if (form !== 'beforeMil') cursor.fail('"veintiún" only precedes "mil"');
    cursor.take();
    return 21;
  }
  if (word === 'veintiuno' && form === 'beforeMil') cursor.fail('"veintiuno" before "mil" must be "veintiún"');
  const twenty = TWENTY_FINAL_VALUES.get(word);
  if (twenty !== undefined) {
    cursor.take();
    return 20 + twenty;
  }
  const tens = TENS_VALUES.get(word);
  if (tens !== undefined && tens >= 3) {
    cursor.take();
    if (cursor.peek() !== 'y') return tens * 10;
    cursor.take();
    const after = unitValue(cursor.take(), form);
    if (after === undefined) cursor.fail(`"${word} y" must be followed by a unit in ${form === 'final' ? 'final form (uno, dos, ...)' : 'the form before mil (un, dos, ...)'}`);
    return tens * 10 + (after as number);
  }
  return undefined;
}

/** 1..999 */
function parseBelow1000(cursor: Cursor, form: Form): number | undefined {
  const word = cursor.peek();
  if (word === 'cien') {
    cursor.take();
    const next = cursor.peek();
    if (next !== undefined && next !== 'mil') cursor.fail('"cien" cannot be followed by a number ("ciento" can)');
    return 100;
  }
  const hundreds = word === undefined ? undefined : HUNDRED_VALUES.get(word);
  if (hundreds !== undefined && hundreds >= 1) {
    cursor.take();
    const rest = parseBelow100(cursor, form);
    if (rest === undefined) {
      if (hundreds === 1) cursor.fail('"ciento" must be followed by 1..99 (100 alone is "cien")');
      return hundreds * 100;
    }
    return hundreds * 100 + rest;
  }
  return parseBelow100(cursor, form);
}

export function parseSpanishNumber(text: string): number {
  const tokens = text.normalize('NFC').trim().split(/\s+/u).filter((t) => t !== '');
  const cursor = new Cursor(tokens, text);
  if (tokens.length === 0) cursor.fail('empty');
  if (tokens.length === 1 && tokens[0] === 'cero') return 0;
  let thousands = 0;
  const milAt = tokens.indexOf('mil');
  if (milAt >= 0) {
    if (milAt === 0) {
      thousands = 1;
    } else {
      const value = parseBelow1000(cursor, 'beforeMil');
      if (value === undefined || cursor.index !== milAt) cursor.fail(`cannot read "${tokens.slice(0, milAt).join(' ')}" before "mil"`);
      if (value === 1) cursor.fail('1000 is "mil", not "un mil"');
      thousands = value as number;
    }
    cursor.index = milAt + 1;
  }
  let rest = 0;
  if (cursor.index < tokens.length) {
    const value = parseBelow1000(cursor, 'final');
    if (value === undefined) cursor.fail(`unexpected word "${cursor.peek()}"`);
    rest = value as number;
  }
  if (cursor.index < tokens.length) cursor.fail(`unexpected word "${cursor.peek()}"`);
  return thousands * 1000 + rest;
}
