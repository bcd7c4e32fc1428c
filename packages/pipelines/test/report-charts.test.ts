import { describe, expect, it } from 'vitest';
import {
  attentionHeatmap,
  ChartInputError,
  errorAccumulationChart,
  firstErrorBins,
  firstErrorHistogram,
  gradientNormChart,
  lossCurvesChart,
  metricBarsChart,
  positionErrorChart,
  renderSvg,
  teacherForcingGapChart,
  tokenKey,
  truncationSweepChart,
  type CurvePoint,
} from '../src/report/index.ts';

// ---- reading the SVG that Vega writes -------------------------------------------------------------------------

function decode(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** Contents of each data-mark group of one mark type (`line`, `rect`, `symbol`, `rule`, `text`). */
function markGroups(svg: string, type: string): string[] {
  return [...svg.matchAll(new RegExp(`<g class="mark-${type} role-mark[^"]*"[^>]*>(.*?)</g>`, 'g'))].map((m) => m[1]!);
}

/** How many drawn items (paths, lines, texts) the data marks of one type have. */
function markCount(svg: string, type: string): number {
  return markGroups(svg, type).reduce((n, group) => n + (group.match(/<(path|line|text)\b/g) ?? []).length, 0);
}

function textsOf(fragment: string): string[] {
  return [...fragment.matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((m) => decode(m[1]!));
}

/** Labels of each axis, one array per axis, in the order Vega draws the axes. */
function axisLabels(svg: string): string[][] {
  return [...svg.matchAll(/<g class="mark-text role-axis-label"[^>]*>(.*?)<\/g>/g)].map((m) => textsOf(m[1]!));
}

function roleTexts(svg: string, role: string): string[] {
  return [...svg.matchAll(new RegExp(`<g class="mark-text role-${role}"[^>]*>(.*?)</g>`, 'g'))].flatMap((m) => textsOf(m[1]!));
}

function dataValues(spec: object): Record<string, unknown>[] {
  return (spec as { data: { values: Record<string, unknown>[] } }).data.values;
}

// ---- data ---------------------------------------------------------------------------------------------------

const curves: CurvePoint[] = ['lstm', 'gru'].flatMap((run, r) =>
  [0, 100, 200, 300].flatMap((step) => [
    { run, split: 'train' as const, step, value: 2 / (1 + step / 100) + r * 0.1 },
    ...(step % 200 === 0 ? [{ run, split: 'valid' as const, step, value: 2.2 / (1 + step / 100) + r * 0.1 }] : []),
  ]),
);

// ---- tests --------------------------------------------------------------------------------------------------

describe('loss curves', () => {
  it('draws one line per run and split, validation dots, and labels', async () => {
    const spec = lossCurvesChart(curves, { metric: 'perplexity', title: 'Training' });
    const svg = await renderSvg(spec);
    expect(markGroups(svg, 'line')).toHaveLength(4); // 2 runs × train/valid
    expect(markCount(svg, 'symbol')).toBe(4); // 2 runs × 2 validation points
    expect(roleTexts(svg, 'legend-label')).toEqual(['lstm', 'gru', 'train', 'valid']);
    expect(roleTexts(svg, 'axis-title')).toEqual(expect.arrayContaining(['step', 'perplexity']));
    expect(roleTexts(svg, 'title-text')).toEqual(['Training']);
  });

  it('turns NaN into a gap (null) and, on a log axis, drops values <= 0', () => {
    const spec = lossCurvesChart(
      [
        { run: 'a', split: 'train', step: 0, value: 0 },
        { run: 'a', split: 'train', step: 1, value: NaN },
        { run: 'a', split: 'train', step: 2, value: 0.5 },
      ],
      { logY: true },
    );
    expect(dataValues(spec).map((v) => v['value'])).toEqual([null, null, 0.5]);
    expect(JSON.stringify(spec)).toContain('"scale":{"type":"log"}');
  });

  it('renders a log axis in decades', async () => {
    const svg = await renderSvg(lossCurvesChart(curves, { logY: true }));
    const [, yLabels] = axisLabels(svg);
    expect(yLabels).toContain('1');
  });

  it('rejects bad input with the field and value', () => {
    expect(() => lossCurvesChart([])).toThrow('lossCurvesChart: points must not be empty');
    expect(() => lossCurvesChart([{ run: 'a', split: 'train', step: NaN, value: 1 }])).toThrow(
      'lossCurvesChart: points[0].step must be a finite number, got NaN',
    );
    expect(() => lossCurvesChart([{ run: 'a', split: 'test' as 'train', step: 0, value: 1 }])).toThrow(
      'points[0].split must be "train" or "valid", got "test"',
    );
  });
});

describe('grouped metric bars', () => {
  const bars = [
    { run: 'lstm', condition: 'p=1', value: 0.9, low: 0.88, high: 0.93 },
    { run: 'lstm', condition: 'p=0', value: 0.7, low: 0.66, high: 0.72 },
    { run: 'gru', condition: 'p=1', value: 0.85, low: 0.8, high: 0.86 },
    { run: 'gru', condition: 'p=0', value: 0.75, low: 0.7, high: 0.8 },
  ];

  it('draws a bar, a whisker and a value label per run and condition, in input order', async () => {
    const svg = await renderSvg(metricBarsChart(bars, { metric: 'accuracy', percent: true }));
    expect(markCount(svg, 'rect')).toBe(4);
    expect(markCount(svg, 'rule')).toBe(4);
    expect(markGroups(svg, 'text').flatMap(textsOf).sort()).toEqual(['70.0%', '75.0%', '85.0%', '90.0%']);
    expect(axisLabels(svg)[0]).toEqual(['lstm', 'gru']);
    expect(roleTexts(svg, 'legend-label')).toEqual(['p=1', 'p=0']);
  });

  it('gives p=1 and p=0 different colours', async () => {
    const svg = await renderSvg(metricBarsChart(bars, { metric: 'BLEU' }));
    const fills = new Set(markGroups(svg, 'rect').flatMap((group) => [...group.matchAll(/fill="([^"]+)"/g)].map((m) => m[1])));
    expect(fills.size).toBe(2);
  });

  it('omits whiskers when no interval is given, and refuses duplicates', async () => {
    const svg = await renderSvg(metricBarsChart(bars.map(({ run, condition, value }) => ({ run, condition, value })), { metric: 'BLEU' }));
    expect(markCount(svg, 'rule')).toBe(0);
    expect(() => metricBarsChart([bars[0]!, bars[0]!], { metric: 'x' })).toThrow(
      'metricBarsChart: bars[1] repeats run "lstm" with condition "p=1"',
    );
  });
});

describe('teacher forcing gap', () => {
  it('draws one dumbbell per run with the signed gap in percentage points', async () => {
    const spec = teacherForcingGapChart(
      [
        { run: 'lstm', teacherForced: 0.9, freeRunning: 0.7 },
        { run: 'gru', teacherForced: 0.8, freeRunning: 0.85 },
      ],
      { metric: 'accuracy', percent: true },
    );
    const svg = await renderSvg(spec);
    expect(markCount(svg, 'rule')).toBe(2);
    expect(markCount(svg, 'symbol')).toBe(4);
    expect(markGroups(svg, 'text').flatMap(textsOf)).toEqual(['+20.0 pp', '−5.0 pp']);
    expect(roleTexts(svg, 'legend-label')).toEqual(['p=1 (teacher forcing)', 'p=0 (free running)']);
  });
});

describe('per-position token error', () => {
  it('draws one line per condition, and dashes per run when there are several', async () => {
    const points = ['teacher-forced', 'free-running'].flatMap((condition) =>
      [0, 1, 2].map((position) => ({ condition, position, errorRate: condition === 'teacher-forced' ? 0.05 : 0.1 * (position + 1) })),
    );
    const svg = await renderSvg(positionErrorChart(points));
    expect(markGroups(svg, 'line')).toHaveLength(2);
    expect(roleTexts(svg, 'legend-label')).toEqual(['teacher-forced', 'free-running']);
    expect(axisLabels(svg).flat()).toContain('30%');

    const twoRuns = [...points.map((p) => ({ ...p, run: 'a' })), ...points.map((p) => ({ ...p, run: 'b' }))];
    const svg2 = await renderSvg(positionErrorChart(twoRuns));
    expect(markGroups(svg2, 'line')).toHaveLength(4);
    expect(roleTexts(svg2, 'legend-label')).toEqual(['teacher-forced', 'free-running', 'a', 'b']);
  });
});

describe('first-error histogram', () => {
  const groups = [
    { condition: 'p=1', firstErrors: [null, null, null, 2] },
    { condition: 'p=0', firstErrors: [0, 0, 1, null] },
  ];

  it('counts first errors per position, with error-free sequences as `none`', () => {
    expect(firstErrorBins(groups)).toEqual([
      { condition: 'p=1', position: '0', count: 0, share: 0 },
      { condition: 'p=1', position: '1', count: 0, share: 0 },
      { condition: 'p=1', position: '2', count: 1, share: 0.25 },
      { condition: 'p=1', position: 'none', count: 3, share: 0.75 },
      { condition: 'p=0', position: '0', count: 2, share: 0.5 },
      { condition: 'p=0', position: '1', count: 1, share: 0.25 },
      { condition: 'p=0', position: '2', count: 0, share: 0 },
      { condition: 'p=0', position: 'none', count: 1, share: 0.25 },
    ]);
  });

  it('orders positions numerically (10 after 9) with `none` last', async () => {
    const many = [{ condition: 'p=0', firstErrors: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, null] }];
    const svg = await renderSvg(firstErrorHistogram(many, { normalize: false }));
    expect(axisLabels(svg)[0]).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', 'none']);
    expect(markCount(svg, 'rect')).toBe(13);
  });

  it('rejects positions that are not whole numbers and repeated conditions', () => {
    expect(() => firstErrorHistogram([{ condition: 'x', firstErrors: [1.5] }])).toThrow(
      'firstErrorHistogram: groups[0].firstErrors[0] must be a position (integer >= 0) or null, got 1.5',
    );
    expect(() => firstErrorHistogram([groups[0]!, groups[0]!])).toThrow('groups[1].condition "p=1" appears twice');
  });
});

describe('error accumulation', () => {
  it('draws the correct-prefix and after-error lines with readable labels', async () => {
    const points = [0, 1, 2, 3].flatMap((position) => [
      { position, context: 'correct-prefix' as const, errorRate: 0.05, count: 100 - position },
      ...(position > 0 ? [{ position, context: 'after-error' as const, errorRate: 0.4, count: 10 * position }] : []),
    ]);
    const svg = await renderSvg(errorAccumulationChart(points));
    expect(markGroups(svg, 'line')).toHaveLength(2);
    expect(markCount(svg, 'symbol')).toBe(7);
    expect(roleTexts(svg, 'legend-label')).toEqual(expect.arrayContaining(['prefix correct so far', 'after an earlier error']));
    expect(() => errorAccumulationChart([{ position: 0, context: 'other' as 'after-error', errorRate: 0 }])).toThrow(
      'errorAccumulationChart: points[0].context must be "correct-prefix" or "after-error", got "other"',
    );
  });
});

describe('gradient norm through time', () => {
  const points = ['LSTM', 'GRU', 'LSTM, no clipping'].flatMap((series, s) =>
    Array.from({ length: 10 }, (_, t) => ({ series, t, norm: (0.5 + s * 0.3) ** (10 - t) })),
  );

  it('draws one line per series on a log axis, with time markers', async () => {
    const spec = gradientNormChart(points, { markers: [{ t: 5, label: 'k2 = 5' }] });
    expect(JSON.stringify(spec)).toContain('"type":"log"');
    const svg = await renderSvg(spec);
    expect(markGroups(svg, 'line')).toHaveLength(3);
    expect(markCount(svg, 'rule')).toBe(1);
    expect(markGroups(svg, 'text').flatMap(textsOf)).toEqual(['k2 = 5']);
    expect(roleTexts(svg, 'legend-label')).toEqual(['LSTM', 'GRU', 'LSTM, no clipping']);
    expect(roleTexts(svg, 'axis-title')).toEqual(expect.arrayContaining(['‖∂L/∂h_t‖', 'time step t']));
  });

  it('leaves underflowed (zero) norms out of a log axis but refuses a chart with nothing to draw', () => {
    const spec = gradientNormChart([
      { series: 'a', t: 0, norm: 0 },
      { series: 'a', t: 1, norm: 1e-3 },
    ]);
    expect(dataValues((spec as { layer: object[] }).layer[0]!).map((v) => v['norm'])).toEqual([null, 1e-3]);
    expect(() => gradientNormChart([{ series: 'a', t: 0, norm: 0 }])).toThrow('gradientNormChart: points have no drawable norm');
  });
});

describe('accuracy against truncation window', () => {
  it('puts ticks exactly at the measured windows on a log2 axis, with reference lines', async () => {
    const points = [2, 4, 8, 16].flatMap((k2) => [
      { series: 'LSTM', k2, value: 1 - 1 / k2 },
      { series: 'GRU', k2, value: 1 - 1.2 / k2 },
    ]);
    const spec = truncationSweepChart(points, { metric: 'accuracy', percent: true, logX: true, references: [{ label: 'full BPTT', value: 0.95 }] });
    expect(JSON.stringify(spec)).toContain('"scale":{"type":"log","base":2}');
    const svg = await renderSvg(spec);
    expect(axisLabels(svg)[0]).toEqual(['2', '4', '8', '16']);
    expect(markGroups(svg, 'line')).toHaveLength(2);
    expect(markCount(svg, 'rule')).toBe(1);
    expect(markGroups(svg, 'text').flatMap(textsOf)).toEqual(['full BPTT']);
    expect(() => truncationSweepChart([{ series: 'a', k2: 0, value: 1 }], { metric: 'x' })).toThrow(
      'truncationSweepChart: points[0].k2 must be a whole number of steps >= 1, got 0',
    );
  });
});

describe('attention heatmap', () => {
  const input = {
    source: ['l', 'o', 'o', 'k'],
    output: ['L', 'UH1', 'K', 'UH1'],
    weights: [
      [0.9, 0.05, 0.03, 0.02],
      [0.05, 0.5, 0.4, 0.05],
      [0.01, 0.01, 0.08, 0.9],
      [0.1, 0.4, 0.4, 0.1],
    ],
  };

  it('keeps repeated tokens apart and labels them with the token only', async () => {
    const spec = attentionHeatmap(input);
    expect(new Set(dataValues(spec).map((v) => v['source']))).toEqual(new Set(['0:l', '1:o', '2:o', '3:k']));
    const svg = await renderSvg(spec);
    expect(markCount(svg, 'rect')).toBe(16);
    const [x, y] = axisLabels(svg);
    expect(x).toEqual(['l', 'o', 'o', 'k']);
    expect(y).toEqual(['L', 'UH1', 'K', 'UH1']);
    // Small maps print their weights.
    expect(markGroups(svg, 'text').flatMap(textsOf)).toContain('0.90');
  });

  it('orders more than ten tokens by position, not alphabetically', async () => {
    const source = Array.from({ length: 12 }, (_, i) => String.fromCharCode(97 + (i % 3)));
    const weights = [source.map(() => 1 / 12)];
    const svg = await renderSvg(attentionHeatmap({ source, output: ['x'], weights }, { showValues: false }));
    expect(axisLabels(svg)[0]).toEqual(source);
    expect(markCount(svg, 'text')).toBe(0);
    expect(tokenKey(10, 'a:b')).toBe('10:a:b');
  });

  it('rejects weights whose shape does not match the tokens', () => {
    expect(() => attentionHeatmap({ ...input, weights: input.weights.slice(1) })).toThrow(
      'attentionHeatmap: weights has 3 rows but there are 4 output tokens',
    );
    expect(() => attentionHeatmap({ ...input, weights: [[1], ...input.weights.slice(1)] })).toThrow(
      'attentionHeatmap: weights[0] has 1 columns but there are 4 source tokens',
    );
    expect(() => attentionHeatmap({ ...input, weights: input.weights.map((r) => r.map(() => NaN)) })).toThrow(ChartInputError);
  });

  it('labels tokens that contain the key separator correctly', async () => {
    const svg = await renderSvg(attentionHeatmap({ source: ['a:b', ':'], output: ['<s>'], weights: [[0.5, 0.5]] }));
    expect(axisLabels(svg)[0]).toEqual(['a:b', ':']);
    expect(axisLabels(svg)[1]).toEqual(['<s>']);
  });
});
