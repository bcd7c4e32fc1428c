import { describe, expect, it } from 'vitest';
import { metricsVersion, runBleuCommand, runEditDistanceCommand, type CommandIo } from '../src/index.ts';

/** An in-memory file system for the commands. */
function io(files: Record<string, string>, stdin = ''): CommandIo {
  return {
    stdin,
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
      return text;
    },
  };
}

const HYP = "The dog bit the man.\nIt wasn't surprising.\nThe man had just bitten him.\n";
const REF_A = 'The dog bit the man.\nIt was not unexpected.\nThe man bit him first.\n';
const REF_B = 'The dog had bit the man.\nNo one was surprised.\nThe man had bitten the dog.\n';
const FILES = { 'a.ref': REF_A, 'b.ref': REF_B, 'hyp.txt': HYP };
const SIGNATURE = `nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:${metricsVersion()}`;
const VERBOSE = '82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)';

describe('bptt bleu', () => {
  it('prints the sacreBLEU text line (score with the CLI width 1, signature, details)', () => {
    const result = runBleuCommand(['a.ref', 'b.ref'], io(FILES, HYP));
    expect(result).toEqual({ stdout: `BLEU|${SIGNATURE} = 48.5 ${VERBOSE}\n`, stderr: '', exitCode: 0 });
  });

  it('prints sacreBLEU-shaped JSON with --format json', () => {
    const result = runBleuCommand(['a.ref', 'b.ref', '--format', 'json', '-w', '2'], io(FILES, HYP));
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      name: 'BLEU',
      score: 48.53,
      signature: SIGNATURE,
      verbose_score: VERBOSE,
      nrefs: '2',
      case: 'mixed',
      eff: 'no',
      tok: '13a',
      smooth: 'exp',
      version: metricsVersion(),
    });
    expect(result.stdout.startsWith('{\n "name": "BLEU",\n "score": 48.53,\n')).toBe(true);
  });

  it('passes tokenizer, smoothing and case options through, short signature and score only', () => {
    const result = runBleuCommand(['a.ref', '-tok', 'none', '-s', 'floor', '--smooth-value=0.25', '-lc', '-sh'], io(FILES, HYP));
    expect(result.stdout).toMatch(/^BLEU\|#:1\|c:lc\|e:no\|tok:none\|s:floor\[0\.25\]\|v:bptt-lab-[^ ]+ = /);
    expect(runBleuCommand(['a.ref', '-b', '-w', '4'], io(FILES, HYP)).stdout).toBe('45.0675\n');
  });

  it('reads hypotheses from --input, and several references from one tab-separated file with --num-refs', () => {
    const tabbed = REF_A.split('\n').map((line, i) => (line === '' ? '' : `${line}\t${REF_B.split('\n')[i]}`)).join('\n');
    const result = runBleuCommand(['refs.tsv', '-nr', '2', '-i', 'hyp.txt'], io({ ...FILES, 'refs.tsv': tabbed }));
    expect(result.stdout).toBe(`BLEU|${SIGNATURE} = 48.5 ${VERBOSE}\n`);
  });

  it('reads standard input with any newline convention and without a final newline', () => {
    const crlf = HYP.replaceAll('\n', '\r\n').slice(0, -2);
    expect(runBleuCommand(['a.ref', 'b.ref'], io(FILES, crlf)).stdout).toBe(`BLEU|${SIGNATURE} = 48.5 ${VERBOSE}\n`);
  });

  it('prints one line per sentence with --sentence-level', () => {
    const lines = runBleuCommand(['a.ref', '-sl', '-w', '2'], io(FILES, HYP)).stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(`BLEU|nrefs:1|case:mixed|eff:yes|tok:13a|smooth:exp|version:${metricsVersion()} = 100.00 100.0/100.0/100.0/100.0 (BP = 1.000 ratio = 1.000 hyp_len = 6 ref_len = 6)`);
  });

  it('fails with exit code 1 naming the file and both line counts when they differ', () => {
    const result = runBleuCommand(['a.ref', 'short.ref'], io({ ...FILES, 'short.ref': 'only one line\n' }, HYP));
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'bptt bleu: error: reference file short.ref has 1 lines but standard input (hypotheses) has 3 lines; they must be line-aligned\n',
    );
    const fromFile = runBleuCommand(['a.ref', '-i', 'two.txt'], io({ ...FILES, 'two.txt': 'a\nb\n' }));
    expect(fromFile.stderr).toContain('reference file a.ref has 3 lines but hypothesis file two.txt has 2 lines');
  });

  it('fails with exit code 1 on unreadable files, tabs in hypotheses and short tab-separated lines', () => {
    const missing = runBleuCommand(['nope.ref'], io(FILES, HYP));
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain("cannot read reference file nope.ref: ENOENT");
    expect(runBleuCommand(['a.ref'], io(FILES, 'a\tb\nc\nd\n')).stderr).toContain('standard input, line 1: contains a tab');
    const tsv = runBleuCommand(['r.tsv', '-nr', '2'], io({ 'r.tsv': 'x\ty\nz\n' }, 'x\nz\n'));
    expect(tsv).toMatchObject({ exitCode: 1 });
    expect(tsv.stderr).toContain('reference file r.tsv, line 2: expected 2 tab-separated references, found 1');
  });

  it('fails with exit code 2 and the usage on command-line mistakes', () => {
    for (const argv of [[], ['a.ref', '--tokenize', 'intl'], ['a.ref', '--bogus'], ['a.ref', '-w'], ['a.ref', '-w', 'x'], ['a.ref', '-sv', 'abc']]) {
      const result = runBleuCommand(argv, io(FILES, HYP));
      expect(result.exitCode, argv.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/^usage: bptt bleu/);
    }
    expect(runBleuCommand(['a.ref', '--tokenize', 'intl'], io(FILES, HYP)).stderr).toContain('invalid choice "intl" (choose from 13a, none)');
    expect(runBleuCommand(['--help'], io(FILES))).toMatchObject({ exitCode: 0, stderr: '' });
  });

  it('warns about tokenized-looking input unless --force', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i} .`).join('\n');
    const files = { 'r.txt': lines };
    expect(runBleuCommand(['r.txt'], io(files, lines)).stderr).toContain('forgot to detokenize');
    expect(runBleuCommand(['r.txt', '--force'], io(files, lines)).stderr).toBe('');
  });
});

describe('bptt edit-distance', () => {
  const files = { 'hyp.txt': 'kitten\nthe cat sat on the mat\n', 'ref.txt': 'sitting\nthe cat is on the mat\n' };

  it('prints corpus CER and WER of line-aligned files', () => {
    const result = runEditDistanceCommand(['hyp.txt', 'ref.txt'], io(files));
    // Characters (nltk agrees): kitten/sitting 3 edits (2 S, 1 D), "sat"/"is" 3 (2 S, 1 I), over 7 + 21.
    // Words: kitten/sitting 1 S, sat/is 1 S, over 1 + 6.
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(
      'CER = 21.43% (S = 4 D = 1 I = 1 edits = 6 ref_len = 28 hyp_len = 28 lines = 2)\n' +
        'WER = 28.57% (S = 2 D = 0 I = 0 edits = 2 ref_len = 7 hyp_len = 7 lines = 2)\n',
    );
  });

  it('prints JSON with --format json', () => {
    const result = runEditDistanceCommand(['hyp.txt', 'ref.txt', '-f', 'json', '--normalize', 'NFC'], io(files));
    expect(JSON.parse(result.stdout)).toEqual({
      cer: { rate: 6 / 28, edits: 6, substitutions: 4, deletions: 1, insertions: 1, hits: 23, ref_len: 28, hyp_len: 28 },
      wer: { rate: 2 / 7, edits: 2, substitutions: 2, deletions: 0, insertions: 0, hits: 5, ref_len: 7, hyp_len: 7 },
      lines: 2,
      normalize: 'NFC',
    });
  });

  it('fails with exit code 1 naming both files and line counts when they differ', () => {
    const result = runEditDistanceCommand(['hyp.txt', 'ref.txt'], io({ ...files, 'ref.txt': 'sitting\n' }));
    expect(result).toEqual({
      stdout: '',
      stderr: 'bptt edit-distance: error: hypothesis file hyp.txt has 2 lines but reference file ref.txt has 1 lines; they must be line-aligned\n',
      exitCode: 1,
    });
  });

  it('fails with exit code 2 without exactly two files', () => {
    expect(runEditDistanceCommand(['hyp.txt'], io(files)).exitCode).toBe(2);
    expect(runEditDistanceCommand(['hyp.txt', 'ref.txt', 'x'], io(files)).stderr).toContain('expected HYP_FILE and REF_FILE, got 3');
  });
});
