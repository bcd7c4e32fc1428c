import { describe, expect, it } from 'vitest';
import { chart, code, list, note, paragraph, renderMarkdown, ReportError, table, validateReport, type Report } from '../src/report/index.ts';

const barSpec = {
  data: { values: [{ run: 'a', acc: 0.5 }] },
  mark: 'bar',
  encoding: { x: { field: 'run', type: 'nominal' }, y: { field: 'acc', type: 'quantitative' } },
} as const;

function report(overrides: Partial<Report> = {}): Report {
  return {
    title: 'Smoke',
    intro: 'A tiny run.',
    sections: [
      { id: 'results', title: 'Results', blocks: [paragraph('Done.')] },
      { id: 'notes', title: 'Notes', blocks: [] },
    ],
    ...overrides,
  };
}

describe('renderMarkdown', () => {
  it('lays out title, intro, meta, contents and sections', () => {
    const md = renderMarkdown(report({ meta: [{ label: 'Seed', value: '7' }] }));
    expect(md).toBe(
      [
        '# Smoke',
        '',
        'A tiny run.',
        '',
        '- **Seed:** 7',
        '',
        '## Contents',
        '',
        '1. [Results](#results)',
        '2. [Notes](#notes)',
        '',
        '## Results',
        '',
        'Done.',
        '',
        '## Notes',
        '',
      ].join('\n'),
    );
  });

  it('links the contents to the anchors GitHub generates, repeated titles included', () => {
    const md = renderMarkdown(
      report({
        title: 'Results',
        sections: [
          { id: 'a', title: 'Results', blocks: [] },
          { id: 'b', title: 'Accuracy (p=0) & BLEU: `tok:13a`', blocks: [] },
          { id: 'c', title: 'Results', blocks: [] },
        ],
      }),
    );
    // The h1 "Results" takes #results, so the sections get -1 and -2.
    expect(md).toContain('1. [Results](#results-1)');
    expect(md).toContain('2. [Accuracy (p=0) & BLEU: `tok:13a`](#accuracy-p0--bleu-tok13a)');
    expect(md).toContain('3. [Results](#results-2)');
  });

  it('writes aligned GFM tables with formatted numbers, escaped pipes and the best value in bold', () => {
    const md = renderMarkdown(
      report({
        sections: [
          {
            id: 'results',
            title: 'Results',
            blocks: [
              table(
                [
                  'run',
                  { header: 'acc', format: { kind: 'percent', decimals: 1 }, best: 'max' },
                  { header: 'loss', best: 'min' },
                  { header: 'note', align: 'center' },
                ],
                [
                  ['lstm|gru', 0.9123, 0.25, 'a\nb'],
                  ['gru', 0.87, NaN, null],
                  ['rnn', 0.9124, 0.31, ''],
                ],
                'Test split.',
              ),
            ],
          },
        ],
      }),
    );
    expect(md).toContain(
      [
        '**Table 1.** Test split.',
        '',
        '| run | acc | loss | note |',
        '| :--- | ---: | ---: | :---: |',
        '| lstm\\|gru | **91.2%** | **0.250** | a<br>b |',
        '| gru | 87.0% | NaN | — |',
        '| rnn | **91.2%** | 0.310 |  |',
      ].join('\n'),
    );
  });

  it('writes charts as images with numbered captions', () => {
    const md = renderMarkdown(
      report({
        sections: [
          {
            id: 'charts',
            title: 'Charts',
            blocks: [chart('acc', 'Accuracy [p=0]', barSpec, 'Higher is better.'), chart('acc-2', 'Again', barSpec)],
          },
        ],
      }),
      { chartsDir: 'figures/' },
    );
    expect(md).toContain('![Accuracy \\[p=0\\]](figures/acc.svg)\n\n**Figure 1.** Accuracy [p=0]. Higher is better.');
    expect(md).toContain('![Again](figures/acc-2.svg)\n\n**Figure 2.** Again.');
  });

  it('writes notes as GitHub alerts, lists, and code with a fence longer than any backtick run', () => {
    const md = renderMarkdown(
      report({
        sections: [
          {
            id: 'x',
            title: 'X',
            blocks: [
              note('Diverged at step 300.\n\nSee the log.', 'warning'),
              list(['first', 'second\ncontinued'], { ordered: true }),
              code('echo ```', 'bash'),
            ],
          },
        ],
      }),
    );
    expect(md).toContain('> [!WARNING]\n> Diverged at step 300.\n>\n> See the log.');
    expect(md).toContain('1. first\n2. second\n   continued');
    expect(md).toContain('````bash\necho ```\n````');
  });

  it('is byte-identical for equal reports', () => {
    expect(renderMarkdown(report())).toBe(renderMarkdown(structuredClone(report())));
  });
});

describe('validateReport', () => {
  const withBlocks = (...blocks: Report['sections'][number]['blocks']): Report =>
    report({ sections: [{ id: 'results', title: 'Results', blocks }] });

  it('names the section and value of a bad or repeated id', () => {
    expect(() => validateReport(report({ sections: [{ id: 'Results 1', title: 'R', blocks: [] }] }))).toThrow(
      'report: sections[0].id: "Results 1" must match',
    );
    expect(() =>
      validateReport(report({ sections: [{ id: 'a', title: 'A', blocks: [] }, { id: 'a', title: 'B', blocks: [] }] })),
    ).toThrow('report: sections[1].id: "a" is already used by sections[0]');
    expect(() => validateReport(report({ sections: [{ id: 'contents', title: 'A', blocks: [] }] }))).toThrow('reserved');
  });

  it('rejects a table row with the wrong number of cells', () => {
    expect(() => validateReport(withBlocks(paragraph('x'), table(['run', 'acc'], [['a', 1], ['b']])))).toThrow(
      'report: sections[0].blocks[1] (table).rows[1]: has 1 cells but the table has 2 columns (run, acc)',
    );
  });

  it('rejects chart names that are not file-safe or repeat', () => {
    expect(() => validateReport(withBlocks(chart('../loss', 'Loss', barSpec)))).toThrow('"../loss" must match');
    expect(() => validateReport(withBlocks(chart('loss', 'A', barSpec), chart('loss', 'B', barSpec)))).toThrow(
      'sections[0].blocks[1] (chart).name: "loss" is already used by sections[0].blocks[0] (chart)',
    );
  });

  it('rejects charts that load their data from a URL', () => {
    const spec = { layer: [{ data: { url: 'data/cars.json' }, mark: 'point' }] } as never;
    expect(() => validateReport(withBlocks(chart('cars', 'Cars', spec)))).toThrow(
      'sections[0].blocks[0] (chart).spec.layer[0].data.url: chart "cars" loads data from "data/cars.json"',
    );
  });

  it('is a ReportError carrying the path', () => {
    try {
      validateReport(report({ title: ' ' }));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ReportError);
      expect((error as ReportError).path).toBe('title');
    }
  });
});
