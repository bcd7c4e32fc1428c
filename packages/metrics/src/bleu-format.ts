/**
 * sacreBLEU's signature and printouts (metrics/base.py `Score.format`, `Signature.format`; metrics/bleu.py
 * `BLEUScore`, `BLEUSignature`), reproduced character for character so our lines can sit next to theirs.
 */
import { formatFixed, pyFloatRepr } from './python-compat.ts';
import type { BleuTokenizerName } from './tokenize-13a.ts';
import { metricsVersion } from './version.ts';

export type BleuSmoothMethod = 'exp' | 'floor' | 'add-k' | 'none';

/** sacreBLEU's `SMOOTH_DEFAULTS` (Chen & Cherry 2014): floor 0.1, add-k 1; exp and none take no value. */
export const SMOOTH_DEFAULTS: Readonly<Record<BleuSmoothMethod, number | null>> = {
  none: null,
  floor: 0.1,
  'add-k': 1,
  exp: null,
};

export interface BleuSignatureFields {
  /** References per segment, or `var` when segments have different numbers of references. */
  readonly nrefs: number | 'var';
  readonly lowercase: boolean;
  readonly effectiveOrder: boolean;
  readonly tokenize: BleuTokenizerName;
  readonly smoothMethod: BleuSmoothMethod;
  /** The value as the user gave it; `null` means the method's default. */
  readonly smoothValue: number | null;
}

const SHORT_NAMES = { nrefs: '#', case: 'c', eff: 'e', tok: 'tok', smooth: 's', version: 'v' } as const;

/**
 * `nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:bptt-lab-0.1.0`; with `short`, sacreBLEU's
 * abbreviations (`#:1|c:mixed|e:no|tok:13a|s:exp|v:bptt-lab-0.1.0`). The version is ours, see `metricsVersion`.
 */
export function bleuSignature(fields: BleuSignatureFields, short = false): string {
  let smooth: string = fields.smoothMethod;
  const fallback = SMOOTH_DEFAULTS[fields.smoothMethod];
  if (fallback !== null) smooth += `[${formatFixed(fields.smoothValue ?? fallback, 2)}]`;
  const pairs: Array<[keyof typeof SHORT_NAMES, string]> = [
    ['nrefs', String(fields.nrefs)],
    ['case', fields.lowercase ? 'lc' : 'mixed'],
    ['eff', fields.effectiveOrder ? 'yes' : 'no'],
    ['tok', fields.tokenize],
    ['smooth', smooth],
    ['version', metricsVersion()],
  ];
  return pairs.map(([name, value]) => `${short ? SHORT_NAMES[name] : name}:${value}`).join('|');
}

/** The numbers `BLEUScore` prints. */
export interface BleuScoreNumbers {
  readonly score: number;
  readonly precisions: readonly number[];
  readonly bp: number;
  readonly sysLen: number;
  readonly refLen: number;
}

/** `sys_len / ref_len`, and 0 (not infinity) when there is no reference token, as sacreBLEU prints it. */
export function lengthRatio(sysLen: number, refLen: number): number {
  return refLen !== 0 ? sysLen / refLen : 0;
}

/** The part after the score: `82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)`. */
export function bleuVerboseScore(numbers: BleuScoreNumbers): string {
  const precisions = numbers.precisions.map((p) => formatFixed(p, 1)).join('/');
  const ratio = lengthRatio(numbers.sysLen, numbers.refLen);
  return (
    `${precisions} (BP = ${formatFixed(numbers.bp, 3)} ratio = ${formatFixed(ratio, 3)} ` +
    `hyp_len = ${numbers.sysLen} ref_len = ${numbers.refLen})`
  );
}

export interface BleuFormatOptions {
  /** Decimals of the score: sacreBLEU's API prints 2, its CLI 1 (`--width`). */
  readonly width?: number;
  /** Only the score, e.g. `48.53` (sacreBLEU's `--score-only`); wins over `json`, as in sacreBLEU. */
  readonly scoreOnly?: boolean;
  /** A signature string to print after the name (`BLEU|nrefs:1|... = ...`), or none. */
  readonly signature?: string;
  /** sacreBLEU's JSON object (`--format json`), indented by one space as `json.dumps(d, indent=1)` does. */
  readonly json?: boolean;
}

/**
 * sacreBLEU's `BLEUScore.format()`: `BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17
 * ref_len = 18)`, with the signature `BLEU|nrefs:2|... = 48.5 ...`, or the JSON object its CLI prints.
 */
export function formatBleu(numbers: BleuScoreNumbers, options: BleuFormatOptions = {}): string {
  const width = options.width ?? 2;
  const signature = options.signature ?? '';
  const score = formatFixed(numbers.score, width);
  const verbose = bleuVerboseScore(numbers);
  if (options.scoreOnly) return score;
  if (options.json) {
    const entries: Array<[string, string]> = [
      ['name', JSON.stringify('BLEU')],
      ['score', pyFloatRepr(Number(score))],
      ['signature', JSON.stringify(signature)],
      ['verbose_score', JSON.stringify(verbose)],
    ];
    if (signature !== '') {
      for (const pair of signature.split('|')) {
        const colon = pair.indexOf(':');
        entries.push([pair.slice(0, colon), JSON.stringify(pair.slice(colon + 1))]);
      }
    }
    return `{\n${entries.map(([key, value]) => ` ${JSON.stringify(key)}: ${value}`).join(',\n')}\n}`;
  }
  const name = signature !== '' ? `BLEU|${signature}` : 'BLEU';
  return `${name} = ${score} ${verbose}`;
}
