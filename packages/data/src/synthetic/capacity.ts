/**
 * How many distinct sources each synthetic task can produce, so that a config asking for more unique examples
 * than exist fails at validation time instead of looping forever. Values above 2^53 are only compared, so
 * floating-point rounding (or Infinity) there is harmless.
 */
import { daysInYearRange } from './calendar.ts';

/** Sequences of length min..max over an alphabet of `alphabetSize` symbols. */
export function sequenceCapacity(alphabetSize: number, minLength: number, maxLength: number): number {
  let total = 0;
  for (let length = minLength; length <= maxLength && Number.isFinite(total); length++) {
    total += alphabetSize ** length;
  }
  return total;
}

/** Unordered pairs {a, b} of operands below 10^digits (a+b and b+a count once, as in Keras' addition_rnn). */
export function additionCapacity(digits: number): number {
  const operands = 10 ** digits;
  return (operands * (operands + 1)) / 2;
}

/** Every day of the year range in every format (the formats never print the same string twice). */
export function datesCapacity(minYear: number, maxYear: number, formatCount: number): number {
  return daysInYearRange(minYear, maxYear) * formatCount;
}

export function integerRangeCapacity(min: number, max: number): number {
  return max - min + 1;
}
