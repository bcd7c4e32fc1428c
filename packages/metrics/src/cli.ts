/**
 * `bptt bleu` and `bptt edit-distance` as pure functions of argv, stdin and a file reader, so they are tested
 * without processes; the `bptt` binary wires them to the real process.
 *
 * `bptt bleu REF [REF...] < HYP` mirrors `sacrebleu REF [REF...] < HYP`: same options, same line reading,
 * same output bytes (text: `sacrebleu -f text`; json: sacreBLEU's default JSON), except that our default
 * format is text and the signature's version is ours.
 */
import { type BleuOptions, type BleuResult, corpusBleu, sentenceBleu } from './bleu.ts';
import { type BleuSmoothMethod, bleuSignature, formatBleu } from './bleu-format.ts';
import { type OptionSpec, type ParsedArgs, UsageError, integerOption, numberOption, parseArgs } from './cli-args.ts';
import type { UnicodeNormalizationForm } from './edit-distance.ts';
import { type CorpusErrorRate, corpusCharacterErrorRate, corpusWordErrorRate } from './error-rates.ts';
import { formatFixed, pyRstrip, pyStrip } from './python-compat.ts';
import type { BleuTokenizerName } from './tokenize-13a.ts';

export interface CommandIo {
  /** Everything on standard input, decoded as UTF-8. */
  readonly stdin: string;
  /** A file's contents decoded as UTF-8; throws when it cannot be read. */
  readFile(path: string): string;
}

export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/** A problem with the data (unreadable file, line counts that differ): exit code 1. */
class DataError extends Error {}

/**
 * Lines of a file as sacreBLEU reads reference and `-i` files (`newline="\n"`): split on `\n` only, a final
 * newline ends the last line rather than starting an empty one, each line rstripped (`\r` included).
 */
function fileLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map(pyRstrip);
}

/**
 * Hypothesis lines from standard input as sacreBLEU reads them (universal newlines: `\r\n`, `\r` and `\n` all
 * end a line). Empty input is one empty hypothesis, as in sacreBLEU.
 */
function stdinLines(text: string): string[] {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines.map(pyRstrip);
}

function readWith(io: CommandIo, path: string, what: string): string {
  try {
    return io.readFile(path);
  } catch (error) {
    throw new DataError(`cannot read ${what} ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function lineCountError(what: string, path: string, lines: number, otherWhat: string, otherLines: number): DataError {
  return new DataError(`${what} ${path} has ${lines} lines but ${otherWhat} has ${otherLines} lines; they must be line-aligned`);
}

const BLEU_USAGE = `usage: bptt bleu REF_FILE [REF_FILE ...] [options] < HYP_FILE

Corpus BLEU exactly as sacreBLEU 2.6.0 computes it. Line i of every REF_FILE is a reference for line i of the
hypotheses (standard input, or --input).

options:
  -i, --input FILE             read hypotheses from FILE instead of standard input
  -tok, --tokenize {13a,none}  tokenizer (default: 13a)
  -s, --smooth-method {exp,floor,add-k,none}
                               smoothing (default: exp)
  -sv, --smooth-value X        value for floor (default 0.1) and add-k (default 1)
  -lc, --lowercase             case-insensitive BLEU
  -nr, --num-refs N            the single REF_FILE holds N tab-separated references per line
  -sl, --sentence-level        one score per line (effective order on, as in sacreBLEU)
  -f, --format {text,json}     output format (default: text; sacreBLEU's default is json)
  -w, --width N                decimals of the score (default: 1)
  -b, --score-only             print only the score
  -sh, --short                 abbreviated signature
  --force                      no warning for input that looks tokenized
  -q, --quiet                  no warnings
  -h, --help                   show this help
`;

const BLEU_OPTIONS: readonly OptionSpec[] = [
  { names: ['--input', '-i'], key: 'input', takesValue: true },
  { names: ['--tokenize', '-tok'], key: 'tokenize', takesValue: true, choices: ['13a', 'none'] },
  { names: ['--smooth-method', '-s'], key: 'smoothMethod', takesValue: true, choices: ['exp', 'floor', 'add-k', 'none'] },
  { names: ['--smooth-value', '-sv'], key: 'smoothValue', takesValue: true },
  { names: ['--lowercase', '-lc'], key: 'lowercase', takesValue: false },
  { names: ['--num-refs', '-nr'], key: 'numRefs', takesValue: true },
  { names: ['--sentence-level', '-sl'], key: 'sentenceLevel', takesValue: false },
  { names: ['--format', '-f'], key: 'format', takesValue: true, choices: ['text', 'json'] },
  { names: ['--width', '-w'], key: 'width', takesValue: true },
  { names: ['--score-only', '-b'], key: 'scoreOnly', takesValue: false },
  { names: ['--short', '-sh'], key: 'short', takesValue: false },
  { names: ['--force'], key: 'force', takesValue: false },
  { names: ['--quiet', '-q'], key: 'quiet', takesValue: false },
  { names: ['--help', '-h'], key: 'help', takesValue: false },
];

/** Reference streams from the REF_FILE arguments (or one tab-separated file with --num-refs). */
function readReferenceStreams(io: CommandIo, paths: readonly string[], numRefs: number): Array<{ path: string; lines: string[] }> {
  if (numRefs === 1) return paths.map((path) => ({ path, lines: fileLines(readWith(io, path, 'reference file')) }));
  if (paths.length > 1) throw new UsageError('--num-refs reads several references from one tab-separated file; give exactly one REF_FILE');
  const path = paths[0]!;
  const streams = Array.from({ length: numRefs }, (_, k) => ({ path: `${path} (field ${k + 1})`, lines: [] as string[] }));
  fileLines(readWith(io, path, 'reference file')).forEach((line, index) => {
    // sacreBLEU: line.split('\t', maxsplit=num_refs - 1); the last field keeps any further tabs.
    const parts = line.split('\t');
    if (parts.length < numRefs) {
      throw new DataError(`reference file ${path}, line ${index + 1}: expected ${numRefs} tab-separated references, found ${parts.length}`);
    }
    const fields = [...parts.slice(0, numRefs - 1), parts.slice(numRefs - 1).join('\t')];
    fields.forEach((field, k) => streams[k]!.lines.push(field));
  });
  return streams;
}

function runBleu(parsed: ParsedArgs, io: CommandIo): { stdout: string; stderr: string } {
  if (parsed.positionals.length === 0) throw new UsageError('give at least one REF_FILE');
  const numRefs = integerOption(parsed, 'numRefs', '--num-refs', 1, 1);
  const width = integerOption(parsed, 'width', '--width', 1, 0);
  const format = (parsed.values.get('format') as 'text' | 'json' | undefined) ?? 'text';
  const options: BleuOptions = {
    tokenize: (parsed.values.get('tokenize') as BleuTokenizerName | undefined) ?? '13a',
    smoothMethod: (parsed.values.get('smoothMethod') as BleuSmoothMethod | undefined) ?? 'exp',
    smoothValue: numberOption(parsed, 'smoothValue', '--smooth-value') ?? null,
    lowercase: parsed.values.has('lowercase'),
  };

  const streams = readReferenceStreams(io, parsed.positionals, numRefs);
  const inputPath = parsed.values.get('input');
  const hypothesesSource = typeof inputPath === 'string' ? `hypothesis file ${inputPath}` : 'standard input';
  const hypothesesLabel = typeof inputPath === 'string' ? hypothesesSource : 'standard input (hypotheses)';
  const hypotheses = typeof inputPath === 'string' ? fileLines(readWith(io, inputPath, 'hypothesis file')) : stdinLines(io.stdin);
  if (hypotheses.length === 0) throw new DataError(`${hypothesesSource} contains no sentence`);
  const tabbed = hypotheses.findIndex((line) => line.includes('\t'));
  if (tabbed !== -1) {
    throw new DataError(
      `${hypothesesSource}, line ${tabbed + 1}: contains a tab; sacreBLEU reads tab-separated columns as several systems, bptt bleu scores one`,
    );
  }
  for (const stream of streams) {
    if (stream.lines.length !== hypotheses.length) {
      throw lineCountError('reference file', stream.path, stream.lines.length, hypothesesLabel, hypotheses.length);
    }
  }

  let stderr = '';
  const tokenizedLooking = hypotheses.filter((line) => line.endsWith(' .')).length;
  if (tokenizedLooking >= 100 && !parsed.values.has('force') && !parsed.values.has('quiet') && !parsed.values.has('sentenceLevel')) {
    stderr +=
      "bptt bleu: That's 100 lines that end in a tokenized period ('.')\n" +
      'bptt bleu: It looks like you forgot to detokenize your test data, which may hurt your score.\n' +
      "bptt bleu: If you insist your data is detokenized, or don't care, you can suppress this message with --force.\n";
  }

  const short = parsed.values.has('short');
  const scoreOnly = parsed.values.has('scoreOnly');
  const referenceStreams = streams.map((stream) => stream.lines);
  if (parsed.values.has('sentenceLevel')) {
    // sacreBLEU prints sentence scores as text lines whatever --format says.
    const lines = hypotheses.map((hypothesis, i) => {
      const result = sentenceBleu(hypothesis, referenceStreams.map((stream) => stream[i]!), { ...options, effectiveOrder: true });
      return formatBleu(result, { width, scoreOnly, signature: signatureOf(result, short) });
    });
    return { stdout: lines.map((line) => `${line}\n`).join(''), stderr };
  }
  const result = corpusBleu(hypotheses, referenceStreams, options);
  const json = format === 'json';
  // sacreBLEU's JSON always carries the long signature, whose fields become keys.
  const line = formatBleu(result, { width, scoreOnly, json, signature: signatureOf(result, short && !json) });
  return { stdout: `${line}\n`, stderr };
}

function signatureOf(result: BleuResult, short: boolean): string {
  return short ? bleuSignature({ nrefs: result.nrefs, ...result.options }, true) : result.signature;
}

function runCommand(
  name: string,
  usage: string,
  argv: readonly string[],
  specs: readonly OptionSpec[],
  body: (parsed: ParsedArgs) => { stdout: string; stderr: string },
): CommandResult {
  try {
    const parsed = parseArgs(argv, specs);
    if (parsed.values.has('help')) return { stdout: usage, stderr: '', exitCode: 0 };
    return { ...body(parsed), exitCode: 0 };
  } catch (error) {
    if (error instanceof UsageError) return { stdout: '', stderr: `${usage}\nbptt ${name}: error: ${error.message}\n`, exitCode: 2 };
    if (error instanceof DataError || (error instanceof Error && error.name === 'MetricsInputError')) {
      return { stdout: '', stderr: `bptt ${name}: error: ${error.message}\n`, exitCode: 1 };
    }
    throw error;
  }
}

/** `bptt bleu REF_FILE [REF_FILE...] < HYP_FILE`: see BLEU_USAGE. Exit 0, 1 (bad data) or 2 (bad usage). */
export function runBleuCommand(argv: readonly string[], io: CommandIo): CommandResult {
  return runCommand('bleu', BLEU_USAGE, argv, BLEU_OPTIONS, (parsed) => runBleu(parsed, io));
}

const EDIT_DISTANCE_USAGE = `usage: bptt edit-distance HYP_FILE REF_FILE [options]

Corpus character and word error rates of line-aligned files: total edits (Levenshtein) / total reference
length. Characters are Unicode code points of each line with surrounding whitespace stripped; words are
whitespace-separated.

options:
  -f, --format {text,json}           output format (default: text)
  --normalize {NFC,NFD,NFKC,NFKD}    Unicode-normalise both files before CER (default: none)
  -h, --help                         show this help
`;

const EDIT_DISTANCE_OPTIONS: readonly OptionSpec[] = [
  { names: ['--format', '-f'], key: 'format', takesValue: true, choices: ['text', 'json'] },
  { names: ['--normalize'], key: 'normalize', takesValue: true, choices: ['NFC', 'NFD', 'NFKC', 'NFKD'] },
  { names: ['--help', '-h'], key: 'help', takesValue: false },
];

function errorRateLine(name: string, rate: CorpusErrorRate, lines: number): string {
  const value = rate.rate === null ? 'n/a' : `${formatFixed(rate.rate * 100, 2)}%`;
  return (
    `${name} = ${value} (S = ${rate.substitutions} D = ${rate.deletions} I = ${rate.insertions} ` +
    `edits = ${rate.edits} ref_len = ${rate.referenceLength} hyp_len = ${rate.hypothesisLength} lines = ${lines})`
  );
}

function errorRateJson(rate: CorpusErrorRate): Record<string, number | null> {
  return {
    rate: rate.rate,
    edits: rate.edits,
    substitutions: rate.substitutions,
    deletions: rate.deletions,
    insertions: rate.insertions,
    hits: rate.hits,
    ref_len: rate.referenceLength,
    hyp_len: rate.hypothesisLength,
  };
}

function runEditDistance(parsed: ParsedArgs, io: CommandIo): { stdout: string; stderr: string } {
  if (parsed.positionals.length !== 2) throw new UsageError(`expected HYP_FILE and REF_FILE, got ${parsed.positionals.length} file arguments`);
  const [hypPath, refPath] = parsed.positionals as [string, string];
  const hypotheses = fileLines(readWith(io, hypPath, 'hypothesis file')).map(pyStrip);
  const references = fileLines(readWith(io, refPath, 'reference file')).map(pyStrip);
  if (hypotheses.length !== references.length) {
    throw lineCountError('hypothesis file', hypPath, hypotheses.length, `reference file ${refPath}`, references.length);
  }
  const normalize = parsed.values.get('normalize') as UnicodeNormalizationForm | undefined;
  const cer = corpusCharacterErrorRate(hypotheses, references, normalize ? { normalize } : {});
  const wer = corpusWordErrorRate(hypotheses, references);
  if (parsed.values.get('format') === 'json') {
    const report = { cer: errorRateJson(cer), wer: errorRateJson(wer), lines: hypotheses.length, normalize: normalize ?? 'none' };
    return { stdout: `${JSON.stringify(report, null, 1)}\n`, stderr: '' };
  }
  return { stdout: `${errorRateLine('CER', cer, hypotheses.length)}\n${errorRateLine('WER', wer, hypotheses.length)}\n`, stderr: '' };
}

/** `bptt edit-distance HYP_FILE REF_FILE`: corpus CER and WER. Exit 0, 1 (bad data) or 2 (bad usage). */
export function runEditDistanceCommand(argv: readonly string[], io: CommandIo): CommandResult {
  return runCommand('edit-distance', EDIT_DISTANCE_USAGE, argv, EDIT_DISTANCE_OPTIONS, (parsed) => runEditDistance(parsed, io));
}
