import { describe, expect, it } from 'vitest';
import { formatFixed, pyFloatRepr, pyRstrip, pySplit, pyStrip } from '../src/index.ts';

describe('formatFixed (Python f"{x:.Nf}")', () => {
  it('rounds exact binary ties half to even, unlike toFixed', () => {
    expect(formatFixed(0.5625, 3)).toBe('0.562');
    expect((0.5625).toFixed(3)).toBe('0.563');
    expect(formatFixed(0.4375, 3)).toBe('0.438');
    expect(formatFixed(2.5, 0)).toBe('2');
    expect(formatFixed(3.5, 0)).toBe('4');
    expect(formatFixed(12.125, 2)).toBe('12.12');
    expect(formatFixed(0.125, 2)).toBe('0.12');
  });

  it('rounds by the exact binary value, which is rarely the decimal literal', () => {
    // 2.675 is stored as 2.67499999999999982236431605997495353221893310546875.
    expect(formatFixed(2.675, 2)).toBe('2.67');
    expect(formatFixed(0.05, 1)).toBe('0.1');
    expect(formatFixed(0.15, 1)).toBe('0.1');
    expect(formatFixed(0.25, 1)).toBe('0.2');
    expect(formatFixed(0.35, 1)).toBe('0.3');
  });

  it('pads, carries and keeps the sign of negative values and negative zero', () => {
    expect(formatFixed(100, 2)).toBe('100.00');
    expect(formatFixed(99.996, 2)).toBe('100.00');
    expect(formatFixed(-0.04, 1)).toBe('-0.0');
    expect(formatFixed(-0, 3)).toBe('-0.000');
    expect(formatFixed(48.530827009929865, 2)).toBe('48.53');
    expect(formatFixed(5e-324, 3)).toBe('0.000');
    expect(formatFixed(1e22, 1)).toBe('10000000000000000000000.0');
  });

  it('writes nan and inf as Python does', () => {
    expect(formatFixed(Number.NaN, 2)).toBe('nan');
    expect(formatFixed(-Infinity, 1)).toBe('-inf');
  });
});

describe('pyFloatRepr (Python repr(float))', () => {
  it.each([
    [0, '0.0'],
    [100, '100.0'],
    [48.5, '48.5'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1.5e-7, '1.5e-07'],
    [1e16, '1e+16'],
    [1234567890123456, '1234567890123456.0'],
    [123456789012345680, '1.2345678901234568e+17'],
    [-2.5, '-2.5'],
    [0.1 + 0.2, '0.30000000000000004'],
  ])('%d -> %s', (x, repr) => {
    expect(pyFloatRepr(x)).toBe(repr);
  });
});

describe('Python whitespace', () => {
  it('splits and strips on exactly str.isspace() characters', () => {
    expect(pySplit(' a\u001cb\u0085c\u2028d\u00a0e ')).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(pySplit('a\u200bb\ufeffc')).toEqual(['a\u200bb\ufeffc']);
    expect(pySplit('   ')).toEqual([]);
    expect(pyRstrip(' a \u3000\r\n')).toBe(' a');
    expect(pyStrip('\u2029 a b \t')).toBe('a b');
  });
});
