/**
 * Checks a report before anything is rendered, so a mistake in a stage fails with a message that names the
 * section, block and value, instead of producing a broken page or a chart file named `../x.svg`.
 */
import type { Block, Report } from './model.ts';

export class ReportError extends Error {
  constructor(
    /** Where in the report, e.g. `sections[2].blocks[1] (table)`. */
    readonly path: string,
    readonly reason: string,
  ) {
    super(`report: ${path}: ${reason}`);
    this.name = 'ReportError';
  }
}

/** Section ids and chart names become URL fragments and file names: keep them boring. */
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Ids the HTML page uses for itself. */
const RESERVED_IDS = new Set(['contents', 'top', 'meta']);

const NOTE_TONES = new Set(['note', 'tip', 'important', 'warning', 'caution']);

export function validateReport(report: Report): void {
  if (report.title.trim() === '') throw new ReportError('title', 'must not be empty');
  const sectionIds = new Map<string, number>();
  const chartNames = new Map<string, string>();
  report.sections.forEach((section, s) => {
    const where = `sections[${s}]`;
    if (!SLUG.test(section.id)) {
      throw new ReportError(`${where}.id`, `${JSON.stringify(section.id)} must match ${SLUG} (e.g. "gradient-norms")`);
    }
    if (RESERVED_IDS.has(section.id)) {
      throw new ReportError(`${where}.id`, `${JSON.stringify(section.id)} is reserved by the HTML page`);
    }
    const previous = sectionIds.get(section.id);
    if (previous !== undefined) {
      throw new ReportError(`${where}.id`, `${JSON.stringify(section.id)} is already used by sections[${previous}]`);
    }
    sectionIds.set(section.id, s);
    if (section.title.trim() === '') throw new ReportError(`${where}.title`, 'must not be empty');
    section.blocks.forEach((block, b) => validateBlock(block, `${where}.blocks[${b}] (${block.kind})`, chartNames));
  });
}

function validateBlock(block: Block, where: string, chartNames: Map<string, string>): void {
  switch (block.kind) {
    case 'paragraph':
    case 'list':
    case 'code':
      return;
    case 'note':
      if (!NOTE_TONES.has(block.tone)) {
        throw new ReportError(`${where}.tone`, `${JSON.stringify(block.tone)} is not one of ${[...NOTE_TONES].join(', ')}`);
      }
      return;
    case 'table':
      if (block.columns.length === 0) throw new ReportError(`${where}.columns`, 'a table needs at least one column');
      block.rows.forEach((row, r) => {
        if (row.length !== block.columns.length) {
          throw new ReportError(
            `${where}.rows[${r}]`,
            `has ${row.length} cells but the table has ${block.columns.length} columns (${block.columns.map((c) => c.header).join(', ')})`,
          );
        }
      });
      return;
    case 'chart': {
      if (!SLUG.test(block.name)) {
        throw new ReportError(`${where}.name`, `${JSON.stringify(block.name)} must match ${SLUG} (it becomes charts/<name>.svg)`);
      }
      const previous = chartNames.get(block.name);
      if (previous !== undefined) {
        throw new ReportError(`${where}.name`, `${JSON.stringify(block.name)} is already used by ${previous}`);
      }
      chartNames.set(block.name, where);
      const url = findDataUrl(block.spec, 'spec');
      if (url) {
        throw new ReportError(
          `${where}.${url.path}`,
          `chart ${JSON.stringify(block.name)} loads data from ${JSON.stringify(url.url)}; report charts must embed their data (data.values) so the SVG and the page are self-contained`,
        );
      }
      return;
    }
  }
}

/** The first `data: { url }` anywhere in a (Vega-Lite) spec, layers and concatenations included. */
function findDataUrl(value: unknown, path: string): { path: string; url: string } | undefined {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findDataUrl(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record['url'] === 'string' && /(^|\.)data(\[\d+\])?$/.test(path)) return { path: `${path}.url`, url: record['url'] };
  for (const key of Object.keys(record)) {
    const found = findDataUrl(record[key], `${path}.${key}`);
    if (found) return found;
  }
  return undefined;
}
