/**
 * The few Python string and float behaviours that sacreBLEU's numbers and printouts depend on. JavaScript's
 * near-equivalents differ at the edges (`/\s/` is another whitespace set, `toFixed` rounds ties away from zero,
 * `String(1e-5)` is not `repr(1e-05)`), and "to the last digit" lives at those edges.
 */

/**
 * Exactly the characters for which Python's `str.isspace()` is true: what `str.split()` splits on and
 * `str.rstrip()` strips. Unlike JavaScript's `\s` it includes U+001C..U+001F and U+0085 and excludes U+FEFF.
 */
const PY_WHITESPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_WHITESPACE_RUN = new RegExp(`[${PY_WHITESPACE}]+`, 'u');
const PY_TRAILING_WHITESPACE = new RegExp(`[${PY_WHITESPACE}]+$`, 'u');
const PY_LEADING_WHITESPACE = new RegExp(`^[${PY_WHITESPACE}]+`, 'u');

/** Python's `text.split()` with no argument: split on whitespace runs, no empty pieces. */
export function pySplit(text: string): string[] {
  return text.split(PY_WHITESPACE_RUN).filter((piece) => piece !== '');
}

/** Python's `text.rstrip()` with no argument. */
export function pyRstrip(text: string): string {
  return text.replace(PY_TRAILING_WHITESPACE, '');
}

/** Python's `text.strip()` with no argument. */
export function pyStrip(text: string): string {
  return pyRstrip(text).replace(PY_LEADING_WHITESPACE, '');
}

/** The exact decimal expansion of a finite, non-negative double, as integer and fraction digit strings. */
function exactDecimal(x: number): { integer: string; fraction: string } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const high = view.getUint32(0);
  const low = view.getUint32(4);
  const biasedExponent = (high >>> 20) & 0x7ff;
  let mantissa = (BigInt(high & 0xfffff) << 32n) | BigInt(low);
  let exponent: number;
  if (biasedExponent === 0) {
    exponent = -1074; // subnormal: no implicit leading bit
  } else {
    mantissa |= 1n << 52n;
    exponent = biasedExponent - 1075;
  }
  if (exponent >= 0) return { integer: (mantissa << BigInt(exponent)).toString(), fraction: '' };
  // m / 2^k = m * 5^k / 10^k: an exact, finite decimal with k fraction digits.
  const k = -exponent;
  const digits = (mantissa * 5n ** BigInt(k)).toString().padStart(k + 1, '0');
  return { integer: digits.slice(0, -k), fraction: digits.slice(-k) };
}

/**
 * Python's `f'{x:.{digits}f}'`: rounds the exact binary value half to even. `toFixed` differs on exact ties,
 * e.g. a ratio of 0.5625 prints `0.562` in sacreBLEU but `(0.5625).toFixed(3)` is `0.563`.
 */
export function formatFixed(x: number, digits: number): string {
  if (!Number.isInteger(digits) || digits < 0 || digits > 100) {
    throw new RangeError(`formatFixed: digits must be an integer in [0, 100], got ${digits}`);
  }
  if (Number.isNaN(x)) return 'nan';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  if (!Number.isFinite(x)) return `${sign}inf`;

  const { integer, fraction } = exactDecimal(Math.abs(x));
  const kept = fraction.slice(0, digits).padEnd(digits, '0');
  const rest = fraction.slice(digits);
  let scaled = BigInt(integer + kept);
  const first = rest.charAt(0);
  const beyondHalf = rest.slice(1).replace(/0+$/, '') !== '';
  const isOdd = scaled % 2n === 1n;
  if (first > '5' || (first === '5' && (beyondHalf || isOdd))) scaled += 1n;

  const text = scaled.toString().padStart(digits + 1, '0');
  if (digits === 0) return `${sign}${text}`;
  return `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/**
 * Python's `repr(float)` (what `json.dumps` writes for a float): shortest round-trip digits, always a decimal
 * point or exponent (`100.0`, not `100`), exponent form below 1e-4 and from 1e16 (`1e-05`, `1e+16`).
 */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';

  const sign = x < 0 ? '-' : '';
  // JavaScript's shortest round-trip digits (the same digits Python's repr picks), in d.ddde±n form.
  const [mantissaText, exponentText] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mantissaText.replace('.', '');
  const exponent = Number(exponentText);
  const pointPosition = exponent + 1; // decimal point after this many digits

  if (pointPosition > 16 || pointPosition < -3) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const exponentSign = exponent < 0 ? '-' : '+';
    return `${sign}${mantissa}e${exponentSign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (pointPosition <= 0) return `${sign}0.${'0'.repeat(-pointPosition)}${digits}`;
  if (pointPosition >= digits.length) return `${sign}${digits}${'0'.repeat(pointPosition - digits.length)}.0`;
  return `${sign}${digits.slice(0, pointPosition)}.${digits.slice(pointPosition)}`;
}
