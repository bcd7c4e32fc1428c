import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { correctlyRoundedExp, correctlyRoundedLog } from '../src/index.ts';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/correctly_rounded.json', import.meta.url), 'utf8')) as {
  log: Array<[number, number]>;
  exp: Array<[number, number]>;
};

describe('correctly rounded log and exp', () => {
  it('returns the nearest double to ln(x) for every fixture value', () => {
    const wrong = fixture.log.filter(([x, expected]) => correctlyRoundedLog(x) !== expected);
    expect(wrong).toEqual([]);
    // The fixture is a real test: V8's Math.log misses some of these.
    expect(fixture.log.some(([x, expected]) => Math.log(x) !== expected)).toBe(true);
  });

  it('returns the nearest double to e^x for every fixture value, subnormal results included', () => {
    const wrong = fixture.exp.filter(([x, expected]) => correctlyRoundedExp(x) !== expected);
    expect(wrong).toEqual([]);
    expect(fixture.exp.some(([x, expected]) => Math.exp(x) !== expected)).toBe(true);
  });

  it('handles the special values', () => {
    expect(correctlyRoundedLog(1)).toBe(0);
    expect(correctlyRoundedLog(0)).toBe(-Infinity);
    expect(correctlyRoundedLog(-1)).toBeNaN();
    expect(correctlyRoundedLog(Infinity)).toBe(Infinity);
    expect(correctlyRoundedExp(0)).toBe(1);
    expect(correctlyRoundedExp(710)).toBe(Infinity);
    expect(correctlyRoundedExp(-9999999999 / 4)).toBe(0);
    expect(correctlyRoundedExp(Number.NaN)).toBeNaN();
    expect(correctlyRoundedExp(correctlyRoundedLog(100))).toBe(100.00000000000004);
  });
});
