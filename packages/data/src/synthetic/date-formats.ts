/**
 * Human date formats for the `dates` task, in the spirit of the tfjs-examples date-conversion-attention demo.
 * Format names follow moment.js tokens (`D` day, `DD` zero-padded day, `Do` ordinal day, `M`/`MM` month number,
 * `MMM`/`MMMM` short/long month name, `ddd`/`dddd` short/long weekday, `YY`/`YYYY` year); two are our own:
 * `mmm` is the short month in lower case ("feb 3rd 1998") and `DDMMMYYYY` prints it in capitals ("03FEB1998").
 *
 * The set is chosen so that no string is ambiguous, because the task must have one right answer:
 * - slashes are always US month/day (`02/03/98` is 3 February); dots are always day.month (`3.2.1998`);
 * - no two formats can print the same string (e.g. `D MMMM YYYY` is left out: "3 May 1998" would equal `D MMM YYYY`);
 * - two-digit years are only allowed when the configured year range spans at most 100 years
 *   (enforced by the config schema), so `98` maps back to exactly one year.
 * ISO 8601 itself is the target and is never an input format.
 */
import type { CivilDate } from './calendar.ts';

export const DATE_FORMAT_NAMES = [
  'D MMM YYYY',
  'MM/DD/YY',
  'dddd, MMMM D, YYYY',
  'mmm Do YYYY',
  'D.M.YYYY',
  'MM/DD/YYYY',
  'MMMM D, YYYY',
  'DD-MMM-YYYY',
  'DDMMMYYYY',
  'ddd D MMM YYYY',
  'MMDDYYYY',
  'Do of MMMM YYYY',
  'YYYY/MM/DD',
  'MMM DD, YY',
  'DD.MM.YY',
  'ddd, MMM D, YYYY',
] as const;
export type DateFormatName = (typeof DATE_FORMAT_NAMES)[number];

export const TWO_DIGIT_YEAR_FORMATS: readonly DateFormatName[] = ['MM/DD/YY', 'MMM DD, YY', 'DD.MM.YY'];

export const MONTH_NAMES = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
] as const;
/** ISO order: index 0 is Monday. */
export const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;

export interface DateToFormat extends CivilDate {
  /** 0 = Monday .. 6 = Sunday. */
  readonly weekday: number;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');
const yy = (year: number): string => pad2(year % 100);
const monthLong = (d: DateToFormat): string => MONTH_NAMES[d.month - 1] as string;
const monthShort = (d: DateToFormat): string => monthLong(d).slice(0, 3);
const weekdayLong = (d: DateToFormat): string => WEEKDAY_NAMES[d.weekday] as string;
const weekdayShort = (d: DateToFormat): string => weekdayLong(d).slice(0, 3);

export function ordinalSuffix(day: number): string {
  if (day % 100 >= 11 && day % 100 <= 13) return 'th';
  return ['th', 'st', 'nd', 'rd'][day % 10] ?? 'th';
}

const FORMATTERS: Record<DateFormatName, (d: DateToFormat) => string> = {
  'D MMM YYYY': (d) => `${d.day} ${monthShort(d)} ${d.year}`,
  'MM/DD/YY': (d) => `${pad2(d.month)}/${pad2(d.day)}/${yy(d.year)}`,
  'dddd, MMMM D, YYYY': (d) => `${weekdayLong(d)}, ${monthLong(d)} ${d.day}, ${d.year}`,
  'mmm Do YYYY': (d) => `${monthShort(d).toLowerCase()} ${d.day}${ordinalSuffix(d.day)} ${d.year}`,
  'D.M.YYYY': (d) => `${d.day}.${d.month}.${d.year}`,
  'MM/DD/YYYY': (d) => `${pad2(d.month)}/${pad2(d.day)}/${d.year}`,
  'MMMM D, YYYY': (d) => `${monthLong(d)} ${d.day}, ${d.year}`,
  'DD-MMM-YYYY': (d) => `${pad2(d.day)}-${monthShort(d)}-${d.year}`,
  DDMMMYYYY: (d) => `${pad2(d.day)}${monthShort(d).toUpperCase()}${d.year}`,
  'ddd D MMM YYYY': (d) => `${weekdayShort(d)} ${d.day} ${monthShort(d)} ${d.year}`,
  MMDDYYYY: (d) => `${pad2(d.month)}${pad2(d.day)}${d.year}`,
  'Do of MMMM YYYY': (d) => `${d.day}${ordinalSuffix(d.day)} of ${monthLong(d)} ${d.year}`,
  'YYYY/MM/DD': (d) => `${d.year}/${pad2(d.month)}/${pad2(d.day)}`,
  'MMM DD, YY': (d) => `${monthShort(d)} ${pad2(d.day)}, ${yy(d.year)}`,
  'DD.MM.YY': (d) => `${pad2(d.day)}.${pad2(d.month)}.${yy(d.year)}`,
  'ddd, MMM D, YYYY': (d) => `${weekdayShort(d)}, ${monthShort(d)} ${d.day}, ${d.year}`,
};

export function formatDate(date: DateToFormat, format: DateFormatName): string {
  return FORMATTERS[format](date);
}
