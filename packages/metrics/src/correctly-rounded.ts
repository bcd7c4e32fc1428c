/**
 * Correctly rounded natural log and exp: the double nearest to the exact value.
 *
 * Why: sacreBLEU's numbers come from C's libm through Python's `math.log`/`math.exp`. glibc's are correctly
 * rounded in all but about 1 in 1,000 to 5,000 arguments; V8's `Math.log`/`Math.exp` (fdlibm ports) are off by
 * one ulp for several percent of arguments, which showed up as last-digit differences in a fifth of BLEU
 * scores. Evaluating in double-double (about 106 bits) and rounding once gives glibc's answer except where
 * glibc itself misrounds. BLEU calls these a handful of times per score, so speed does not matter here.
 */

type DoubleDouble = readonly [hi: number, lo: number];

/** a + b exactly, as a rounded sum and its error (Knuth). */
function twoSum(a: number, b: number): DoubleDouble {
  const s = a + b;
  const bb = s - a;
  return [s, a - (s - bb) + (b - bb)];
}

/** Veltkamp split: a = hi + lo with each half fitting in 26 bits, so their products are exact. */
function split(a: number): DoubleDouble {
  const c = 134217729 * a; // 2^27 + 1
  const hi = c - (c - a);
  return [hi, a - hi];
}

/** a * b exactly, as a rounded product and its error (Dekker). */
function twoProd(a: number, b: number): DoubleDouble {
  const p = a * b;
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

function ddAdd(x: DoubleDouble, y: DoubleDouble): DoubleDouble {
  const [s, e] = twoSum(x[0], y[0]);
  const [t, f] = twoSum(x[1], y[1]);
  const [s2, e2] = twoSum(s, e + t);
  return twoSum(s2, e2 + f);
}

function ddMul(x: DoubleDouble, y: DoubleDouble): DoubleDouble {
  const [p, e] = twoProd(x[0], y[0]);
  return twoSum(p, e + (x[0] * y[1] + x[1] * y[0]));
}

function ddDivide(x: DoubleDouble, y: DoubleDouble): DoubleDouble {
  const q1 = x[0] / y[0];
  const r1 = ddAdd(x, ddMul([-q1, 0], y));
  const q2 = r1[0] / y[0];
  const r2 = ddAdd(r1, ddMul([-q2, 0], y));
  const q3 = r2[0] / y[0];
  return ddAdd(twoSum(q1, q2), [q3, 0]);
}

/** ln 2 to about 160 bits, in three doubles. */
const LN2: readonly [number, number, number] = [0.6931471805599453, 2.3190468138462996e-17, 5.707708438416212e-34];

/** 1/(2i+1) for the atanh series, i = 0..24. */
const ODD_RECIPROCALS: readonly DoubleDouble[] = Array.from({ length: 25 }, (_, i) => ddDivide([1, 0], [2 * i + 1, 0]));

/** 1/n! for the exp series, n = 0..27. */
const INVERSE_FACTORIALS: readonly DoubleDouble[] = (() => {
  const terms: DoubleDouble[] = [[1, 0]];
  for (let n = 1; n <= 27; n++) terms.push(ddDivide(terms[n - 1]!, [n, 0]));
  return terms;
})();

/** The double nearest to ln(x). */
export function correctlyRoundedLog(x: number): number {
  if (Number.isNaN(x) || x < 0) return Number.NaN;
  if (x === 0) return -Infinity;
  if (x === Infinity) return Infinity;
  if (x === 1) return 0;

  // x = m * 2^k with m in [sqrt(1/2), sqrt(2)), read off the bits; subnormals are scaled up first.
  let k = 0;
  let scaled = x;
  if (scaled < 2 ** -1022) {
    scaled *= 2 ** 54;
    k -= 54;
  }
  const bits = new DataView(new ArrayBuffer(8));
  bits.setFloat64(0, scaled);
  const high = bits.getUint32(0);
  k += ((high >>> 20) & 0x7ff) - 1023;
  bits.setUint32(0, (high & 0x800fffff) | (1023 << 20)); // same mantissa, exponent 0: m in [1, 2)
  let m = bits.getFloat64(0);
  if (m > Math.SQRT2) {
    m /= 2;
    k++;
  }

  // ln(m) = 2 atanh(s), s = (m - 1)/(m + 1), |s| <= 0.172: 25 odd terms reach well below 2^-106.
  const numerator: DoubleDouble = [m - 1, 0]; // exact (Sterbenz)
  const denominator = twoSum(m, 1);
  const s = ddDivide(numerator, denominator);
  const s2 = ddMul(s, s);
  let series: DoubleDouble = ODD_RECIPROCALS[ODD_RECIPROCALS.length - 1]!;
  for (let i = ODD_RECIPROCALS.length - 2; i >= 0; i--) series = ddAdd(ddMul(series, s2), ODD_RECIPROCALS[i]!);
  const lnM = ddMul(ddMul(s, series), [2, 0]);

  const kLn2 = ddAdd(ddAdd(twoProd(k, LN2[0]), twoProd(k, LN2[1])), [k * LN2[2], 0]);
  const [hi, lo] = ddAdd(kLn2, lnM);
  return hi + lo;
}

/** The double nearest to e^x. */
export function correctlyRoundedExp(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x > 709.8) return Infinity;
  if (x < -745.2) return 0;
  if (x === 0) return 1;

  // x = k ln2 + r with |r| <= ln2/2, r carried in double-double so that e^r is right to ~2^-106.
  const k = Math.round(x / LN2[0]);
  let r: DoubleDouble = [x, 0];
  if (k !== 0) {
    const [p1, e1] = twoProd(k, LN2[0]);
    const [p2, e2] = twoProd(k, LN2[1]);
    r = twoSum(x - p1, -e1); // x - p1 is exact: p1 is within a factor of two of x
    r = ddAdd(r, [-p2, -e2]);
    r = ddAdd(r, [-k * LN2[2], 0]);
  }

  // Taylor series of e^r, |r| <= 0.347: 28 terms reach below 2^-110.
  let series: DoubleDouble = INVERSE_FACTORIALS[INVERSE_FACTORIALS.length - 1]!;
  for (let n = INVERSE_FACTORIALS.length - 2; n >= 0; n--) series = ddAdd(ddMul(series, r), INVERSE_FACTORIALS[n]!);

  const [hi, lo] = series;
  const value = hi + lo; // e^r rounded once, in [0.7, 1.5)
  if (k > 1023) return value * 2 ** 1023 * 2 ** (k - 1023); // 2^k alone would overflow
  const result = value * 2 ** k; // exact scaling while the result stays normal
  if (result >= 2 ** -1022) return result;
  // Subnormal result: round once, on the subnormal grid (multiples of 2^-1074), not twice.
  const shift = k + 1074;
  const whole = hi * 2 ** shift; // exact: a positive power-of-two scaling of normal numbers
  const rest = lo * 2 ** shift;
  let units = Math.floor(whole);
  const fraction = whole - units + rest;
  if (fraction > 0.5 || (fraction === 0.5 && units % 2 === 1)) units++;
  else if (fraction < -0.5 || (fraction === -0.5 && units % 2 === 1)) units--;
  return units * 2 ** -1074;
}
