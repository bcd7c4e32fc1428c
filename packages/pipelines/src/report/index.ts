/**
 * The report renderer: a small document model, chart builders (Vega-Lite specs from plain data), and renderers
 * to Markdown, a self-contained HTML page and deterministic SVG.
 */
export * from './charts/index.ts';
export * from './files.ts';
export * from './format.ts';
export { renderHtml, namespaceSvgIds } from './html.ts';
export { inlineToHtml } from './inline.ts';
export { renderMarkdown, type MarkdownOptions } from './markdown.ts';
export * from './model.ts';
export { renderCharts, withTitle } from './render-charts.ts';
export { ChartRenderError, renderSvg } from './svg.ts';
export { measureText } from './text-metrics.ts';
export { ReportError, validateReport } from './validate.ts';
