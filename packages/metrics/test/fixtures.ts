/** Typed access to the reference vectors in ./fixtures (see ./fixtures/README.md for their origin). */
import { readFileSync } from 'node:fs';

function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

export interface ExpectedBleu {
  score: number;
  counts: number[];
  totals: number[];
  precisions: number[];
  bp: number;
  sys_len: number;
  ref_len: number;
  formatted: string;
}

export interface CorpusBleuCase {
  id: string;
  hyps: string[];
  refs: string[][];
  tokenize: '13a' | 'none';
  smooth_method: 'exp' | 'floor' | 'add-k' | 'none';
  smooth_value: number | null;
  effective_order: boolean;
  lowercase: boolean;
  expected: ExpectedBleu;
  signature: string;
}

export interface SentenceBleuCase {
  id: string;
  hyp: string;
  refs: string[];
  tokenize: '13a' | 'none';
  smooth_method: 'exp' | 'floor' | 'add-k' | 'none';
  smooth_value: number | null;
  use_effective_order: boolean;
  lowercase: boolean;
  expected: ExpectedBleu;
}

export interface BleuFixture {
  corpus_cases: CorpusBleuCase[];
  sentence_cases: SentenceBleuCase[];
  tokenizer_13a: Array<{ input: string; tok_13a: string }>;
}

export interface EditDistanceCase {
  id: string;
  level: 'char' | 'token';
  hyp: string;
  ref: string;
  hyp_units: string[];
  ref_units: string[];
  distance: number;
  hyp_len: number;
  ref_len: number;
  normalized_by_max_len: number;
  normalized_by_ref_len: number | null;
  distance_with_transpositions: number;
  utf16_len_hyp?: number;
  utf16_len_ref?: number;
  distance_utf16_code_units?: number;
  distance_after_nfc?: number;
}

export const bleuFixture = readFixture<BleuFixture>('bleu_sacrebleu.json');
export const editDistanceFixture = readFixture<{ cases: EditDistanceCase[] }>('edit_distance.json');
