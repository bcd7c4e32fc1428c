/**
 * The CMU Pronouncing Dictionary, read from the installed `cmu-pronouncing-dictionary@3.0.0` package.
 * Its index.js is generated with one `"word": "PHONES",` entry per line; we read it line by line (instead of
 * importing 4.6 MB of JavaScript on every import of @bptt/data), which also lets errors name the line.
 */
import { readFileSync } from 'node:fs';
import type { Seq2seqExample, Splits } from '../dataset.ts';
import type { CmudictConfig } from '../config.ts';
import { DataFormatError, DatasetConfigError } from '../errors.ts';
import { createRng } from '../random.ts';
import { tokenCount } from '../tokenize/tokenize.ts';
import { packageFile } from './package-files.ts';

export interface CmudictEntry {
  readonly word: string;
  /** ARPAbet pronunciations with stress digits, comments removed; the primary one first, then word(2), word(3)... */
  readonly pronunciations: readonly string[];
}

const ENTRY_LINE = /^\s*("(?:[^"\\]|\\.)*"): ("(?:[^"\\]|\\.)*"),?$/u;
const VARIANT_KEY = /^(.+)\((\d+)\)$/u;
const PHONE = /^[A-Z]+[012]?$/u;

let cached: readonly CmudictEntry[] | undefined;

/** Every word of the dictionary in file (alphabetical) order. Parsed once per process. */
export function readCmudict(): readonly CmudictEntry[] {
  cached ??= parseCmudictModule(readFileSync(packageFile('cmu-pronouncing-dictionary', 'index.js'), 'utf8'));
  return cached;
}

export function parseCmudictModule(text: string, file = 'cmu-pronouncing-dictionary/index.js'): CmudictEntry[] {
  const variants = new Map<string, { variant: number; phones: string }[]>();
  const lines = text.split('\n');
  let inObject = false;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trimEnd();
    if (!inObject) {
      if (line === 'export const dictionary = {') inObject = true;
      continue;
    }
    if (line === '}') {
      inObject = false;
      break;
    }
    const match = ENTRY_LINE.exec(line);
    if (match === null) throw new DataFormatError(file, i + 1, `expected "word": "PHONES", got ${line.slice(0, 60)}`);
    const key = unquote(match[1] as string);
    const phones = unquote(match[2] as string).split('#')[0]?.trim() ?? '';
    const badPhone = phones.split(' ').find((p) => !PHONE.test(p));
    if (badPhone !== undefined) throw new DataFormatError(file, i + 1, `"${key}": bad phone "${badPhone}"`);
    const variantMatch = VARIANT_KEY.exec(key);
    const word = variantMatch === null ? key : (variantMatch[1] as string);
    const variant = variantMatch === null ? 1 : Number(variantMatch[2]);
    const list = variants.get(word) ?? [];
    list.push({ variant, phones });
    variants.set(word, list);
  }
  if (inObject || variants.size === 0) throw new DataFormatError(file, undefined, 'no complete `dictionary` object found');
  const entries: CmudictEntry[] = [];
  for (const [word, list] of variants) {
    list.sort((a, b) => a.variant - b.variant);
    if (list[0]?.variant !== 1) throw new DataFormatError(file, undefined, `"${word}" has variants but no primary entry`);
    entries.push({ word, pronunciations: list.map((v) => v.phones) });
  }
  return entries;
}

/** A JSON string literal's value; JSON.parse only when it has escapes (none do in 3.0.0, and it is 2x faster). */
function unquote(literal: string): string {
  return literal.includes('\\') ? (JSON.parse(literal) as string) : literal.slice(1, -1);
}

/** AH0 -> AH: the 69 stressed vowel/consonant symbols collapse to the 39 ARPAbet phones. */
export function stripStress(phones: string): string {
  return phones.replace(/[012]/gu, '');
}

const LETTERS_ONLY = /^[a-z]+$/u;

const strippedCache = new Map<boolean, readonly (readonly string[])[]>();

/** Pronunciations of every entry, stress digits removed or not; computed once per process for each choice. */
function pronunciationsOf(strip: boolean): readonly (readonly string[])[] {
  let cached = strippedCache.get(strip);
  if (cached === undefined) {
    cached = readCmudict().map((e) => (strip ? e.pronunciations.map(stripStress) : e.pronunciations));
    strippedCache.set(strip, cached);
  }
  return cached;
}

/** The words that pass the config's filters, as fresh example objects, in dictionary order. */
export function cmudictExamples(config: CmudictConfig): Seq2seqExample[] {
  const entries = readCmudict();
  const pronunciations = pronunciationsOf(config.stripStress);
  const examples: Seq2seqExample[] = [];
  for (let i = 0; i < entries.length; i++) {
    const word = (entries[i] as CmudictEntry).word;
    if (config.lettersOnly && !LETTERS_ONLY.test(word)) continue;
    const length = tokenCount(word, 'char');
    if (length < config.wordLength.min || length > config.wordLength.max) continue;
    const [target, ...others] = pronunciations[i] as readonly string[];
    const alternatives = config.alternatives && others.length > 0 ? [...new Set(others)].filter((p) => p !== target) : [];
    examples.push(
      alternatives.length > 0 ? { source: word, target: target as string, alternatives } : { source: word, target: target as string },
    );
  }
  return examples;
}

/** Split by word, seeded: test first, then valid, then train (all the rest, or the first `sizes.train`). */
export function loadCmudictSplits(config: CmudictConfig): Splits<Seq2seqExample[]> {
  const examples = createRng(config.seed).fork('split').shuffle(cmudictExamples(config));
  const { valid, test } = config.sizes;
  const available = examples.length - valid - test;
  const train = config.sizes.train === 'all' ? available : config.sizes.train;
  if (available < 1 || train > available) {
    throw new DatasetConfigError('cmudict config', [
      {
        field: config.sizes.train === 'all' || available < 1 ? 'sizes' : 'sizes.train',
        value: config.sizes,
        reason: `only ${examples.length} words pass the filters (lettersOnly ${config.lettersOnly}, wordLength ${config.wordLength.min}..${config.wordLength.max}); train needs at least 1 and valid+test take ${valid + test}`,
      },
    ]);
  }
  return {
    test: examples.slice(0, test),
    valid: examples.slice(test, test + valid),
    train: examples.slice(test + valid, test + valid + train),
  };
}
