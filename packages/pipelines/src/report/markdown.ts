/**
 * `README.md` of a report: GitHub-flavoured Markdown that reads well both rendered (GitHub, VS Code) and raw.
 * Charts are images next to the file (`charts/<name>.svg`); notes use GitHub alert syntax, which other
 * renderers show as a plain blockquote.
 */
import { escapeMarkdownTableCell } from './format.ts';
import type { Alignment, Block, Report, TableBlock } from './model.ts';
import { createSlugger } from './slug.ts';
import { layOutTable } from './table.ts';
import { validateReport } from './validate.ts';

export interface MarkdownOptions {
  /** Folder of the chart SVGs, relative to the Markdown file. Default `charts`. */
  readonly chartsDir?: string;
}

/** Figure and table numbers run through the whole report, as in a paper. */
interface Counters {
  figure: number;
  table: number;
}

export function renderMarkdown(report: Report, options: MarkdownOptions = {}): string {
  validateReport(report);
  const chartsDir = (options.chartsDir ?? 'charts').replace(/\/+$/, '');
  const slug = createSlugger();
  slug(oneLine(report.title));
  const parts: string[] = [`# ${oneLine(report.title)}`];
  if (report.intro.trim() !== '') parts.push(report.intro.trim());
  if (report.meta && report.meta.length > 0) {
    parts.push(report.meta.map((m) => `- **${oneLine(m.label)}:** ${oneLine(m.value)}`).join('\n'));
  }
  if (report.sections.length > 1) {
    // The "Contents" heading takes its anchor first, exactly as GitHub numbers them in document order.
    slug('Contents');
    const toc = report.sections.map((s, i) => `${i + 1}. [${escapeLinkLabel(oneLine(s.title))}](#${slug(oneLine(s.title))})`);
    parts.push(`## Contents\n\n${toc.join('\n')}`);
  }
  const counters: Counters = { figure: 0, table: 0 };
  for (const section of report.sections) {
    parts.push(`## ${oneLine(section.title)}`);
    for (const block of section.blocks) parts.push(blockToMarkdown(block, chartsDir, counters));
  }
  return `${parts.join('\n\n')}\n`;
}

function blockToMarkdown(block: Block, chartsDir: string, counters: Counters): string {
  switch (block.kind) {
    case 'paragraph':
      return block.text.trim();
    case 'list':
      return block.items
        .map((item, i) => {
          const marker = block.ordered ? `${i + 1}. ` : '- ';
          // Continuation lines are indented to the item's text so they stay inside the item.
          return marker + item.trim().replace(/\n/g, `\n${' '.repeat(marker.length)}`);
        })
        .join('\n');
    case 'table':
      return tableToMarkdown(block, ++counters.table);
    case 'chart': {
      const n = ++counters.figure;
      const image = `![${escapeLinkLabel(oneLine(block.title))}](${chartsDir}/${block.name}.svg)`;
      const caption = `**Figure ${n}.** ${oneLine(block.title)}.${block.caption ? ` ${block.caption.trim()}` : ''}`;
      return `${image}\n\n${caption}`;
    }
    case 'note': {
      const body = block.text.trim().split('\n').map((line) => (line.trim() === '' ? '>' : `> ${line}`));
      return [`> [!${block.tone.toUpperCase()}]`, ...body].join('\n');
    }
    case 'code': {
      // The fence must be longer than any backtick run inside the code, or the code would close it.
      const longestRun = Math.max(0, ...(block.code.match(/`+/g) ?? []).map((run) => run.length));
      const fence = '`'.repeat(Math.max(3, longestRun + 1));
      return `${fence}${block.language ?? ''}\n${block.code.replace(/\n+$/, '')}\n${fence}`;
    }
  }
}

const DELIMITER: Record<Alignment, string> = { left: ':---', center: ':---:', right: '---:' };

function tableToMarkdown(block: TableBlock, n: number): string {
  const table = layOutTable(block);
  const row = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  const lines = [
    row(table.headers.map(escapeMarkdownTableCell)),
    row(table.align.map((a) => DELIMITER[a])),
    ...table.rows.map((cells) =>
      row(
        cells.map((cell) => {
          const text = escapeMarkdownTableCell(cell.text);
          return cell.best && text !== '' ? `**${text}**` : text;
        }),
      ),
    ),
  ];
  // Table captions go above the table, figure captions below the figure (the usual convention in papers).
  const caption = block.caption ? `**Table ${n}.** ${block.caption.trim()}\n\n` : '';
  return caption + lines.join('\n');
}

/** Headings, list labels and captions are single lines in Markdown. */
function oneLine(text: string): string {
  return text.trim().replace(/\s*\r?\n\s*/g, ' ');
}

function escapeLinkLabel(text: string): string {
  return text.replace(/[[\]]/g, '\\$&');
}
