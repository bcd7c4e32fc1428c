/**
 * Reads a human-written date back (the inverse of the `dates` task), written independently of the formatter so
 * that tests can check the generator: it matches general shapes, validates the day against the month (leap years
 * included) with `Date.UTC`, checks ordinal suffixes, and rejects a weekday that is not the true one.
 */
import { MONTH_NAMES, WEEKDAY_NAMES, ordinalSuffix } from './date-formats.ts';

export interface ParsedDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  /** The weekday named in the text (0 = Monday), when there was one. */
  readonly weekday?: number;
}

export interface ParseDateOptions {
  /** Two-digit years map into [twoDigitYearBase, twoDigitYearBase + 99]; default 1950 (the task's default range). */
  readonly twoDigitYearBase?: number;
}

interface Fields {
  weekday?: string;
  day: string;
  ordinal?: string;
  month: string;
  year: string;
}

/** Each shape yields raw fields; the month may be a number or a name. */
const SHAPES: readonly RegExp[] = [
  // 3 Feb 1998 | Tue 3 Feb 1998
  /^(?:(?<weekday>[A-Za-z]+),? )?(?<day>\d{1,2}) (?<month>[A-Za-z]+) (?<year>\d{4})$/u,
  // 02/03/98 | 02/03/1998 (US: month first)
  /^(?<month>\d{2})\/(?<day>\d{2})\/(?<year>\d{2}|\d{4})$/u,
  // Tuesday, February 3, 1998 | feb 3rd 1998 | February 3, 1998 | Feb 03, 98 | Tue, Feb 3, 1998
  /^(?:(?<weekday>[A-Za-z]+), )?(?<month>[A-Za-z]+) (?<day>\d{1,2})(?<ordinal>st|nd|rd|th)?,? (?<year>\d{2}|\d{4})$/u,
  // 3.2.1998 | 03.02.98 (day first)
  /^(?<day>\d{1,2})\.(?<month>\d{1,2})\.(?<year>\d{2}|\d{4})$/u,
  // 03-Feb-1998 | 03FEB1998
  /^(?<day>\d{2})-?(?<month>[A-Za-z]{3})-?(?<year>\d{4})$/u,
  // 02031998
  /^(?<month>\d{2})(?<day>\d{2})(?<year>\d{4})$/u,
  // 3rd of February 1998
  /^(?<day>\d{1,2})(?<ordinal>st|nd|rd|th) of (?<month>[A-Za-z]+) (?<year>\d{4})$/u,
  // 1998/02/03
  /^(?<year>\d{4})\/(?<month>\d{2})\/(?<day>\d{2})$/u,
];

export function parseHumanDate(text: string, options: ParseDateOptions = {}): ParsedDate {
  for (const shape of SHAPES) {
    const groups = shape.exec(text)?.groups;
    if (groups !== undefined) return interpret(text, groups as unknown as Fields, options);
  }
  throw new SyntaxError(`parseHumanDate: ${JSON.stringify(text)} matches no known date shape`);
}

function interpret(text: string, fields: Fields, options: ParseDateOptions): ParsedDate {
  const fail = (why: string): never => {
    throw new SyntaxError(`parseHumanDate: ${JSON.stringify(text)}: ${why}`);
  };
  const month = /^\d+$/u.test(fields.month) ? Number(fields.month) : monthFromName(fields.month);
  if (month === undefined || month < 1 || month > 12) fail(`no month ${JSON.stringify(fields.month)}`);
  let year = Number(fields.year);
  if (fields.year.length === 2) {
    const base = options.twoDigitYearBase ?? 1950;
    year = base + ((((year - base) % 100) + 100) % 100);
  }
  const day = Number(fields.day);
  const check = new Date(Date.UTC(2000, (month as number) - 1, day));
  check.setUTCFullYear(year);
  if (check.getUTCMonth() !== (month as number) - 1 || check.getUTCDate() !== day) {
    fail(`day ${day} does not exist in ${year}-${month}`);
  }
  if (fields.ordinal !== undefined && fields.ordinal !== ordinalSuffix(day)) {
    fail(`wrong ordinal "${day}${fields.ordinal}"`);
  }
  const actualWeekday = (check.getUTCDay() + 6) % 7; // Date counts from Sunday; ISO from Monday
  if (fields.weekday !== undefined) {
    const named = weekdayFromName(fields.weekday);
    if (named === undefined) fail(`no weekday ${JSON.stringify(fields.weekday)}`);
    if (named !== actualWeekday) fail(`${fields.weekday} is wrong: that day is a ${WEEKDAY_NAMES[actualWeekday]}`);
    return { year, month: month as number, day, weekday: named as number };
  }
  return { year, month: month as number, day };
}

function monthFromName(name: string): number | undefined {
  const lower = name.toLowerCase();
  const index = MONTH_NAMES.findIndex((m) => m.toLowerCase() === lower || m.slice(0, 3).toLowerCase() === lower);
  return index < 0 ? undefined : index + 1;
}

function weekdayFromName(name: string): number | undefined {
  const lower = name.toLowerCase();
  const index = WEEKDAY_NAMES.findIndex((w) => w.toLowerCase() === lower || w.slice(0, 3).toLowerCase() === lower);
  return index < 0 ? undefined : index;
}
