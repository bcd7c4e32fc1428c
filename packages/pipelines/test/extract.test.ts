import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeclarationError, extractDeclaration } from '../src/declarations/extract.ts';

function workspaceWith(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'bptt-extract-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const RUN = 'packages/pipelines/experiments/demo/runs/a/run.ts';

describe('extractDeclaration (static, nothing executed)', () => {
  it('reads literals, nesting, negatives, spreads, consts and references', () => {
    const root = workspaceWith({
      [RUN]: `
        import { defineRun } from '../../../../src/declare.ts';
        import reverse from '../../datasets/reverse/dataset.ts';
        const base = { lr: 0.001, betas: [0.9, 0.999] } as const;
        const clip = 5;
        export default defineRun({
          dataset: reverse,
          model: { cell: 'gru', hiddenDim: 32, 'quoted-key': true, nothing: null },
          train: { optimizer: { ...base, lr: 0.01 }, clip: { mode: 'norm', max: clip }, shift: -2, tags: ['a', ...['b']], note: \`plain\` },
        });
        throw new Error('never executed');
      `,
    });
    const extracted = extractDeclaration(root, RUN);
    expect(extracted.kind).toBe('defineRun');
    expect(extracted.value).toEqual({
      dataset: { $ref: 'packages/pipelines/experiments/demo/datasets/reverse/dataset.ts' },
      model: { cell: 'gru', hiddenDim: 32, 'quoted-key': true, nothing: null },
      train: { optimizer: { lr: 0.01, betas: [0.9, 0.999] }, clip: { mode: 'norm', max: 5 }, shift: -2, tags: ['a', 'b'], note: 'plain' },
    });
  });

  it('rejects computed values with the file and line', () => {
    const root = workspaceWith({ [RUN]: `export default defineRun({\n  train: { lr: Math.random() },\n});\n` });
    expect(() => extractDeclaration(root, RUN)).toThrow(DeclarationError);
    try {
      extractDeclaration(root, RUN);
    } catch (error) {
      expect((error as DeclarationError).line).toBe(2);
      expect((error as DeclarationError).message).toContain(`${RUN}:2`);
      expect((error as DeclarationError).message).toContain('Math.random()');
    }
  });

  it('requires a default export of a define call', () => {
    const root = workspaceWith({ [RUN]: `export const x = 1;\n` });
    expect(() => extractDeclaration(root, RUN)).toThrow(/export default defineX/);
  });

  it('rejects let bindings, so the value cannot depend on execution order', () => {
    const root = workspaceWith({ [RUN]: `let lr = 1;\nexport default defineRun({ lr });\n` });
    expect(() => extractDeclaration(root, RUN)).toThrow(/must be a const/);
  });
});
