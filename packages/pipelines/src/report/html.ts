/**
 * `index.html`: the report as one self-contained page. Styles are inline, charts are inline SVG, and there is no
 * script and no external URL, so the page opens from disk (file://), offline, years later, and prints well.
 */
import { escapeHtml } from './format.ts';
import { inlineToHtml } from './inline.ts';
import { chartBlocks, type Block, type Report, type TableBlock } from './model.ts';
import { PAGE_CSS } from './page-style.ts';
import { layOutTable } from './table.ts';
import { ReportError, validateReport } from './validate.ts';

interface Counters {
  figure: number;
  table: number;
}

/** `svgs` maps chart names to SVG documents, as returned by `renderCharts(report)`. */
export function renderHtml(report: Report, svgs: Readonly<Record<string, string>>): string {
  validateReport(report);
  for (const block of chartBlocks(report)) {
    if (typeof svgs[block.name] !== 'string') {
      throw new ReportError(`chart ${JSON.stringify(block.name)}`, 'has no SVG; pass the result of renderCharts(report) to renderHtml');
    }
  }
  const counters: Counters = { figure: 0, table: 0 };
  const sections = report.sections.map((section) => {
    const body = section.blocks.map((block) => blockToHtml(block, svgs, counters)).join('\n');
    return `<section id="${section.id}">\n<h2><a class="anchor" href="#${section.id}">${inlineToHtml(section.title)}</a></h2>\n${body}\n</section>`;
  });
  const toc = report.sections.map((s) => `<li><a href="#${s.id}">${inlineToHtml(s.title)}</a></li>`).join('\n');
  const meta =
    report.meta && report.meta.length > 0
      ? `<dl class="meta">\n${report.meta.map((m) => `<dt>${inlineToHtml(m.label)}</dt><dd>${inlineToHtml(m.value)}</dd>`).join('\n')}\n</dl>`
      : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(report.title.trim())}</title>
<link rel="icon" href="data:,">
<style>
${PAGE_CSS}</style>
</head>
<body>
<div class="page">
<header id="top">
<h1>${inlineToHtml(report.title.trim())}</h1>
${paragraphs(report.intro)}
${meta}
</header>
<nav id="contents" aria-label="Contents">
<h2>Contents</h2>
<ol>
${toc}
</ol>
</nav>
<main>
${sections.join('\n')}
</main>
</div>
</body>
</html>
`.replace(/\n{2,}/g, '\n');
}

function blockToHtml(block: Block, svgs: Readonly<Record<string, string>>, counters: Counters): string {
  switch (block.kind) {
    case 'paragraph':
      return paragraphs(block.text);
    case 'list': {
      const tag = block.ordered ? 'ol' : 'ul';
      return `<${tag}>\n${block.items.map((item) => `<li>${inlineToHtml(item.trim())}</li>`).join('\n')}\n</${tag}>`;
    }
    case 'table':
      return tableToHtml(block, ++counters.table);
    case 'chart': {
      const n = ++counters.figure;
      const caption = `<strong>Figure ${n}.</strong> ${inlineToHtml(block.title.trim())}.${block.caption ? ` ${inlineToHtml(block.caption.trim())}` : ''}`;
      const svg = namespaceSvgIds(svgs[block.name]!, `${block.name}-`);
      return `<figure id="figure-${block.name}" class="chart">\n<div class="chart-body">${svg}</div>\n<figcaption>${caption}</figcaption>\n</figure>`;
    }
    case 'note': {
      const label = block.tone[0]!.toUpperCase() + block.tone.slice(1);
      return `<aside class="note note-${block.tone}" role="note">\n<p class="note-label">${label}</p>\n${paragraphs(block.text)}\n</aside>`;
    }
    case 'code': {
      const language = block.language ? ` class="language-${escapeHtml(block.language)}"` : '';
      // Newlines inside <pre> are content: keep them, and keep the final blank-line collapse away from them.
      const code = escapeHtml(block.code.replace(/\n+$/, '')).replace(/\n/g, '&#10;');
      return `<pre><code${language}>${code}</code></pre>`;
    }
  }
}

/** Markdown-ish text: blank lines separate paragraphs. */
function paragraphs(text: string): string {
  return text
    .trim()
    .split(/\r?\n[ \t]*\r?\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => `<p>${inlineToHtml(p)}</p>`)
    .join('\n');
}

function tableToHtml(block: TableBlock, n: number): string {
  const table = layOutTable(block);
  const cls = (c: number): string => (table.align[c] === 'left' ? '' : ` class="${table.align[c]}"`);
  const head = table.headers.map((h, c) => `<th scope="col"${cls(c)}>${inlineToHtml(h)}</th>`).join('');
  const rows = table.rows
    .map((cells) => {
      const tds = cells.map((cell, c) => {
        const text = inlineToHtml(cell.text);
        return `<td${cls(c)}>${cell.best ? `<strong>${text}</strong>` : text}</td>`;
      });
      return `<tr>${tds.join('')}</tr>`;
    })
    .join('\n');
  const caption = block.caption ? `<caption><strong>Table ${n}.</strong> ${inlineToHtml(block.caption.trim())}</caption>\n` : '';
  return `<div class="table-wrap">\n<table>\n${caption}<thead><tr>${head}</tr></thead>\n<tbody>\n${rows}\n</tbody>\n</table>\n</div>`;
}

/**
 * Vega numbers the clip paths and gradients of every SVG from 1 (`clip1`), so two inline charts would share ids
 * and one chart would clip with the other's rectangle. Each chart's ids, and the references to them, get the
 * chart's name as prefix.
 */
export function namespaceSvgIds(svg: string, prefix: string): string {
  const ids = new Set([...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!));
  if (ids.size === 0) return svg;
  const rename = (id: string): string => (ids.has(id) ? `${prefix}${id}` : id);
  return svg
    .replace(/(\sid=")([^"]+)(")/g, (_, open: string, id: string, close: string) => `${open}${rename(id)}${close}`)
    .replace(/url\((['"]?)#([^'")]+)\1\)/g, (_, quote: string, id: string) => `url(${quote}#${rename(id)}${quote})`)
    .replace(/(\shref=")#([^"]+)(")/g, (_, open: string, id: string, close: string) => `${open}#${rename(id)}${close}`);
}
