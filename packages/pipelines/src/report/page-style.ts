/**
 * The stylesheet inlined into every `index.html`. Plain CSS, no web fonts (the page must work offline): a
 * system sans-serif for prose, tabular figures in tables so digits line up, and a contents column that stays
 * in view on wide screens and moves above the text on narrow ones.
 */
export const PAGE_CSS = `:root {
  color-scheme: light;
  --text: #1f2937;
  --muted: #4b5563;
  --rule: #e5e7eb;
  --accent: #0b5cad;
  --code-bg: #f3f4f6;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, "Liberation Sans", sans-serif;
  font-size: 16px;
  line-height: 1.6;
  color: var(--text);
  background: #fff;
}
* { box-sizing: border-box; }
body { margin: 0; }
.page {
  display: grid;
  grid-template-columns: minmax(0, 1fr);
  grid-template-areas: "header" "nav" "main";
  max-width: 1180px;
  margin: 0 auto;
  padding: 2rem 1.25rem 4rem;
  gap: 0 3rem;
}
header { grid-area: header; max-width: 48rem; }
nav { grid-area: nav; }
main { grid-area: main; min-width: 0; }
@media (min-width: 1000px) {
  .page {
    grid-template-columns: 14rem minmax(0, 1fr);
    grid-template-areas: "nav header" "nav main";
  }
  nav { position: sticky; top: 1.5rem; align-self: start; max-height: calc(100vh - 3rem); overflow-y: auto; }
}
h1 { font-size: 2rem; line-height: 1.2; margin: 0 0 1rem; }
h2 { font-size: 1.4rem; line-height: 1.3; margin: 2.5rem 0 0.75rem; padding-bottom: 0.3rem; border-bottom: 1px solid var(--rule); }
nav h2 { font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.06em; color: var(--muted); border: 0; margin: 0.5rem 0; }
nav ol { margin: 0; padding-left: 1.25rem; font-size: 0.92rem; }
nav li { margin: 0.3rem 0; }
a { color: var(--accent); text-decoration-thickness: 1px; text-underline-offset: 2px; }
h2 a.anchor { color: inherit; text-decoration: none; }
h2 a.anchor:hover::after { content: " #"; color: var(--muted); }
p, ul, ol { max-width: 48rem; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 0.9em; background: var(--code-bg); padding: 0.1em 0.3em; border-radius: 3px; }
pre { background: var(--code-bg); padding: 0.9rem 1rem; overflow-x: auto; border-radius: 6px; line-height: 1.45; max-width: 100%; }
pre code { background: none; padding: 0; font-size: 0.85rem; }
dl.meta { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 0.2rem 1rem; font-size: 0.92rem; margin: 1rem 0; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
.table-wrap { overflow-x: auto; margin: 1.25rem 0; }
table { border-collapse: collapse; font-size: 0.92rem; font-variant-numeric: tabular-nums; }
caption { caption-side: top; text-align: left; padding-bottom: 0.5rem; color: var(--muted); }
th, td { padding: 0.35rem 0.8rem; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid #d1d5db; font-weight: 600; }
tbody tr:nth-child(even) { background: #fafafa; }
th.right, td.right { text-align: right; }
th.center, td.center { text-align: center; }
figure.chart { margin: 1.5rem 0; }
.chart-body { overflow-x: auto; }
.chart-body svg { display: block; max-width: 100%; height: auto; }
figcaption { font-size: 0.92rem; color: var(--muted); margin-top: 0.4rem; max-width: 48rem; }
aside.note { border-left: 4px solid #0969da; background: #f6f8fa; padding: 0.6rem 1rem; margin: 1.25rem 0; max-width: 48rem; border-radius: 0 6px 6px 0; }
aside.note p { margin: 0.3rem 0; }
aside.note .note-label { font-weight: 600; font-size: 0.85rem; text-transform: uppercase; letter-spacing: 0.04em; }
.note-note { border-color: #0969da; }
.note-tip { border-color: #1a7f37; }
.note-important { border-color: #8250df; }
.note-warning { border-color: #9a6700; background: #fff8e6; }
.note-caution { border-color: #cf222e; background: #fff5f5; }
@media print {
  nav { display: none; }
  .page { display: block; max-width: none; padding: 0; }
  figure, table, aside { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
`;
