import { describe, expect, it } from 'vitest';
import {
  DATE_FORMAT_NAMES,
  civilFromDays,
  daysFromCivil,
  formatDate,
  isoWeekdayIndex,
  parseHumanDate,
  synthesize,
  toIsoDate,
} from '@bptt/data';

const TUESDAY_3_FEB_1998 = { year: 1998, month: 2, day: 3, weekday: 1 };

describe('date formats', () => {
  it('has at least 10 formats, none of them ISO, and prints the documented examples', () => {
    expect(DATE_FORMAT_NAMES.length).toBeGreaterThanOrEqual(10);
    const printed = DATE_FORMAT_NAMES.map((f) => formatDate(TUESDAY_3_FEB_1998, f));
    expect(printed).toEqual([
      '3 Feb 1998',
      '02/03/98',
      'Tuesday, February 3, 1998',
      'feb 3rd 1998',
      '3.2.1998',
      '02/03/1998',
      'February 3, 1998',
      '03-Feb-1998',
      '03FEB1998',
      'Tue 3 Feb 1998',
      '02031998',
      '3rd of February 1998',
      '1998/02/03',
      'Feb 03, 98',
      '03.02.98',
      'Tue, Feb 3, 1998',
    ]);
    expect(printed).not.toContain('1998-02-03');
  });

  it('calendar arithmetic agrees with Date.UTC, weekdays included', () => {
    for (let days = daysFromCivil({ year: 1899, month: 12, day: 25 }); days < daysFromCivil({ year: 2101, month: 1, day: 7 }); days += 37) {
      const date = civilFromDays(days);
      const js = new Date(days * 86_400_000);
      expect([date.year, date.month, date.day]).toEqual([js.getUTCFullYear(), js.getUTCMonth() + 1, js.getUTCDate()]);
      expect(isoWeekdayIndex(days)).toBe((js.getUTCDay() + 6) % 7);
      expect(daysFromCivil(date)).toBe(days);
    }
  });

  it('no two (date, format) pairs with different dates print the same string (ten years, every format)', () => {
    const seen = new Map<string, string>();
    const first = daysFromCivil({ year: 1995, month: 1, day: 1 });
    const last = daysFromCivil({ year: 2004, month: 12, day: 31 });
    for (let days = first; days <= last; days++) {
      const date = { ...civilFromDays(days), weekday: isoWeekdayIndex(days) };
      for (const format of DATE_FORMAT_NAMES) {
        const text = formatDate(date, format);
        const iso = toIsoDate(date);
        const previous = seen.get(text);
        if (previous !== undefined && previous !== iso) throw new Error(`${text} means both ${previous} and ${iso}`);
        seen.set(text, iso);
      }
    }
    expect(seen.size).toBe((last - first + 1) * DATE_FORMAT_NAMES.length);
  });
});

describe('parseHumanDate', () => {
  it('reads every format back', () => {
    for (const format of DATE_FORMAT_NAMES) {
      expect(parseHumanDate(formatDate(TUESDAY_3_FEB_1998, format)), format).toMatchObject({ year: 1998, month: 2, day: 3 });
    }
  });

  it('rejects wrong weekdays, impossible days and wrong ordinals', () => {
    expect(() => parseHumanDate('Wednesday, February 3, 1998')).toThrow(/that day is a Tuesday/);
    expect(() => parseHumanDate('29 Feb 1900')).toThrow(/does not exist/);
    expect(parseHumanDate('29 Feb 2000')).toMatchObject({ year: 2000, month: 2, day: 29 });
    expect(() => parseHumanDate('feb 3th 1998')).toThrow(/ordinal/);
    expect(() => parseHumanDate('1998-02-03')).toThrow(/no known date shape/);
  });

  it('maps two-digit years into the configured century', () => {
    expect(parseHumanDate('02/03/49').year).toBe(2049);
    expect(parseHumanDate('02/03/50').year).toBe(1950);
    expect(parseHumanDate('02/03/49', { twoDigitYearBase: 1900 }).year).toBe(1949);
  });
});

describe('dates task', () => {
  it('every source parses back to its target date, with the true weekday, in range', () => {
    const dataset = synthesize({ task: 'dates', years: { min: 1950, max: 2049 }, sizes: { train: 3000, valid: 300, test: 300 } });
    if (dataset.kind !== 'seq2seq') throw new Error('seq2seq expected');
    let withWeekday = 0;
    for (const split of ['train', 'valid', 'test'] as const) {
      for (const { source, target } of dataset.splits[split]) {
        const parsed = parseHumanDate(source, { twoDigitYearBase: 1950 });
        expect(toIsoDate(parsed)).toBe(target);
        expect(parsed.year).toBeGreaterThanOrEqual(1950);
        expect(parsed.year).toBeLessThanOrEqual(2049);
        if (parsed.weekday !== undefined) withWeekday++;
      }
    }
    expect(withWeekday).toBeGreaterThan(400); // 3 of 16 formats name the weekday
  });

  it('honours a restricted format list and year range', () => {
    const dataset = synthesize({ task: 'dates', years: { min: 1700, max: 1705 }, formats: ['YYYY/MM/DD'], sizes: { train: 100, valid: 10, test: 10 } });
    if (dataset.kind !== 'seq2seq') throw new Error('seq2seq expected');
    for (const { source, target } of dataset.splits.train) {
      expect(source).toBe(target.replaceAll('-', '/'));
      expect(Number(source.slice(0, 4))).toBeGreaterThanOrEqual(1700);
      expect(Number(source.slice(0, 4))).toBeLessThanOrEqual(1705);
    }
  });
});
