import { writeFileSync } from 'node:fs';
import { renderSvg } from './svg.ts';
import { lossCurvesChart } from './charts/loss-curves.ts';
const pts = [];
for (const run of ['lstm', 'gru']) for (let s = 0; s <= 1000; s += 50) {
  pts.push({ run, split: 'train' as const, step: s, value: 3 * Math.exp(-s / 300) + 0.2 + (run === 'gru' ? 0.1 : 0) });
  if (s % 250 === 0) pts.push({ run, split: 'valid' as const, step: s, value: 3 * Math.exp(-s / 300) + 0.35 });
}
pts.push({ run: 'lstm', split: 'train', step: 1050, value: NaN });
const t0 = Date.now();
const svg = await renderSvg(lossCurvesChart(pts, { logY: true, title: 'Loss' }), 'loss');
const svg2 = await renderSvg(lossCurvesChart(pts, { logY: true, title: 'Loss' }), 'loss');
console.log(svg === svg2, svg.length, Date.now() - t0);
writeFileSync('/tmp/out/loss.svg', svg);
