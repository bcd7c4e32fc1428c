/**
 * The benchmarked configurations: torch_seq2seq.py's defaults (the reference) and its larger setting. T is both
 * the encoder and the decoder length; tokens/s counts decoder tokens, B x T per optimizer step (as the peer does).
 */
export interface BenchConfig {
  readonly name: 'reference' | 'larger';
  readonly B: number;
  readonly H: number;
  readonly E: number;
  readonly V: number;
  readonly T: number;
}

export const BENCH_CONFIGS: readonly BenchConfig[] = [
  { name: 'reference', B: 64, H: 128, E: 64, V: 32, T: 20 },
  { name: 'larger', B: 64, H: 256, E: 128, V: 64, T: 40 },
];

export function benchConfig(name: string): BenchConfig {
  const config = BENCH_CONFIGS.find((c) => c.name === name);
  if (config === undefined) {
    throw new Error(`unknown bench config '${name}' (expected ${BENCH_CONFIGS.map((c) => c.name).join(' or ')})`);
  }
  return config;
}
