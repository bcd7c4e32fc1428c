/** Human-written dates -> ISO 8601 (`"Tuesday, February 3, 1998"` -> `"1998-02-03"`). */
import type { Seq2seqExample, Splits } from '../dataset.ts';
import type { DatesConfig } from '../config.ts';
import { createRng } from '../random.ts';
import { civilFromDays, daysFromCivil, isoWeekdayIndex, toIsoDate } from './calendar.ts';
import { formatDate } from './date-formats.ts';
import { drawUniqueSplits } from './unique-splits.ts';

export function synthesizeDates(config: DatesConfig): Splits<Seq2seqExample[]> {
  const firstDay = daysFromCivil({ year: config.years.min, month: 1, day: 1 });
  const lastDay = daysFromCivil({ year: config.years.max, month: 12, day: 31 });
  return drawUniqueSplits({
    rng: createRng(config.seed),
    sizes: config.sizes,
    task: config.task,
    draw: (rng) => {
      const days = rng.int(firstDay, lastDay);
      const date = civilFromDays(days);
      const format = rng.pick(config.formats);
      return { source: formatDate({ ...date, weekday: isoWeekdayIndex(days) }, format), target: toIsoDate(date) };
    },
  });
}
