import { describe, expect, it } from 'vitest';
import { optionReader } from '../bench/cli-options.ts';

describe('bench command-line options', () => {
  it('reads values, lists and counts, with defaults when absent', () => {
    const read = optionReader(['--configs', 'reference,larger', '--rounds', '3', '--out', 'x.json'], 'bench');
    expect(read.value('out')).toBe('x.json');
    expect(read.value('torch-script')).toBeUndefined();
    expect(read.list('configs', ['reference', 'larger'], ['reference'])).toEqual(['reference', 'larger']);
    expect(read.list('paths', ['product', 'unrolled'], ['product'])).toEqual(['product']);
    expect(read.count('rounds', 1, 1)).toBe(3);
    expect(read.count('steps', 10)).toBe(10);
  });

  it('names the script, the option and the value it refuses', () => {
    expect(() => optionReader(['--out'], 'bench').value('out')).toThrow("bench: --out needs a value");
    expect(() => optionReader(['--out', '--quick'], 'bench').value('out')).toThrow('bench: --out needs a value');
    expect(() => optionReader(['--configs', 'huge'], 'bench:paired').list('configs', ['reference'], ['reference'])).toThrow(
      "bench:paired: --configs got 'huge', expected some of reference",
    );
    expect(() => optionReader(['--windows', '0'], 'bench:paired').count('windows', 15, 1)).toThrow("bench:paired: --windows must be an integer >= 1, got '0'");
    expect(() => optionReader(['--steps', '2.5'], 'run-case').count('steps', 10)).toThrow("run-case: --steps must be an integer >= 0, got '2.5'");
  });
});
