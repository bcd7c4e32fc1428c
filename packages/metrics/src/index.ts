/**
 * @bptt/metrics: BLEU exactly as sacreBLEU 2.6.0 computes it, edit distances and CER/WER/PER, token-level
 * loss/accuracy helpers, and exposure-bias analysis of teacher-forced against free-running decodings.
 */
export * from './bleu.ts';
export * from './bleu-format.ts';
export * from './bleu-statistics.ts';
export * from './tokenize-13a.ts';
export * from './version.ts';
export * from './python-compat.ts';
export * from './correctly-rounded.ts';
export * from './edit-distance.ts';
export * from './alignment.ts';
export * from './error-rates.ts';
export * from './token-metrics.ts';
export * from './exposure-bias.ts';
export * from './cli.ts';
export * from './errors.ts';
