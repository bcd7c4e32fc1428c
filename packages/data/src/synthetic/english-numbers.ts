/**
 * English cardinal numbers 0..999 999 in the American style without "and": 320 = "three hundred twenty",
 * 1000 = "one thousand", 100 000 = "one hundred thousand". Compounds 21..99 are two words ("twenty one") by
 * default, or hyphenated ("twenty-one") when asked; the parser accepts both.
 */

const BELOW_TWENTY = [
  'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine',
  'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen',
];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

export const ENGLISH_MAX = 999_999;

export interface EnglishWordsOptions {
  /** "twenty-one" instead of "twenty one". */
  readonly hyphens?: boolean;
}

function below100(n: number, hyphens: boolean): string[] {
  if (n < 20) return [BELOW_TWENTY[n] as string];
  const tens = TENS[Math.floor(n / 10)] as string;
  const unit = n % 10;
  if (unit === 0) return [tens];
  const unitWord = BELOW_TWENTY[unit] as string;
  return hyphens ? [`${tens}-${unitWord}`] : [tens, unitWord];
}

function below1000(n: number, hyphens: boolean): string[] {
  const hundreds = Math.floor(n / 100);
  const rest = n % 100;
  const words = hundreds > 0 ? [BELOW_TWENTY[hundreds] as string, 'hundred'] : [];
  if (rest > 0) words.push(...below100(rest, hyphens));
  return words;
}

export function englishNumberWords(n: number, options: EnglishWordsOptions = {}): string {
  if (!Number.isInteger(n) || n < 0 || n > ENGLISH_MAX) {
    throw new RangeError(`englishNumberWords: ${n} is not an integer in 0..${ENGLISH_MAX}`);
  }
  if (n === 0) return 'zero';
  const hyphens = options.hyphens ?? false;
  const thousands = Math.floor(n / 1000);
  const rest = n % 1000;
  const words = thousands > 0 ? [...below1000(thousands, hyphens), 'thousand'] : [];
  if (rest > 0) words.push(...below1000(rest, hyphens));
  return words.join(' ');
}

// ---------------------------------------------------------------------------------------------------------------
// Reading back, strictly: "zero" only alone, "hundred" after 1..9, a unit after a tens word only, no "and".

const SMALL_VALUES = new Map(BELOW_TWENTY.map((w, i) => [w, i]));
const TENS_VALUES = new Map(TENS.map((w, i) => [w, i]).filter(([w]) => w !== '') as [string, number][]);

export function parseEnglishNumber(text: string): number {
  const fail = (why: string): never => {
    throw new SyntaxError(`parseEnglishNumber: ${JSON.stringify(text)}: ${why}`);
  };
  const tokens: string[] = [];
  for (const word of text.trim().split(/\s+/u).filter((t) => t !== '')) {
    const parts = word.split('-');
    if (parts.length === 2) {
      const [tens, unit] = parts as [string, string];
      const unitValue = SMALL_VALUES.get(unit);
      if (!TENS_VALUES.has(tens) || unitValue === undefined || unitValue < 1 || unitValue > 9) {
        fail(`"${word}" is not a tens-unit compound`);
      }
      tokens.push(tens, unit);
    } else if (parts.length === 1) {
      tokens.push(word);
    } else {
      fail(`"${word}" has more than one hyphen`);
    }
  }
  if (tokens.length === 0) fail('empty');
  if (tokens.length === 1 && tokens[0] === 'zero') return 0;

  let index = 0;
  const below100 = (): number | undefined => {
    const word = tokens[index];
    if (word === undefined) return undefined;
    const small = SMALL_VALUES.get(word);
    if (small !== undefined && small >= 1) {
      index++;
      return small;
    }
    const tens = TENS_VALUES.get(word);
    if (tens === undefined) return undefined;
    index++;
    const unit = SMALL_VALUES.get(tokens[index] ?? '');
    if (unit !== undefined && unit >= 1 && unit <= 9) {
      index++;
      return tens * 10 + unit;
    }
    return tens * 10;
  };
  const below1000 = (): number | undefined => {
    const start = index;
    const first = below100();
    if (first === undefined) return undefined;
    if (tokens[index] !== 'hundred') return first;
    if (first > 9 || index !== start + 1) fail(`"hundred" must follow a single digit word, not the value ${first}`);
    index++;
    const rest = below100();
    return first * 100 + (rest ?? 0);
  };

  let value = below1000();
  if (value === undefined) fail(`unexpected word "${tokens[index]}"`);
  if (tokens[index] === 'thousand') {
    index++;
    const rest = index < tokens.length ? below1000() : 0;
    if (rest === undefined) fail(`unexpected word "${tokens[index]}"`);
    value = (value as number) * 1000 + (rest as number);
  }
  if (index < tokens.length) fail(`unexpected word "${tokens[index]}"`);
  return value as number;
}
