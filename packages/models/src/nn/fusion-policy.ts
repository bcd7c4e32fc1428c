/**
 * When a recurrent layer runs as one fused kernel per sequence instead of step by step.
 *
 * - `auto` (default): fused where it is at least as fast. On the native `tensorflow` backend that is TensorFlow's
 *   BlockLSTMV2 for LSTM layers (bench: 1.5-2.7x the same model run step by step). On wasm it is the JavaScript
 *   `lstmSequence` kernel: as fast as the per-step fused gates in interleaved runs (reference 8.0k/8.4k vs
 *   8.0k/8.4k tokens/s, larger 2.9k/2.9k vs 2.8k/3.0k), with one tape node per layer instead of a dozen per step.
 *   It was chosen when it also took ~20% less memory (peak RSS on the larger config 455 vs 560 MiB); since the
 *   backward pass frees as it goes (autograd/releasing-backprop.ts) the two are level (438 vs 426 MiB). The
 *   plain-JS cpu backend stays unrolled: it is the reference the fused paths are tested against.
 * - `always`: fused on every backend (the JavaScript `lstmSequence` kernel off the native backend). Tests use it
 *   to check the fused routing against the unrolled path on cpu.
 * - `off`: always unrolled, the reference path.
 *
 * Whatever the policy, a layer runs unrolled when its math needs the per-step graph: GRU layers (TensorFlow's
 * GRUBlockCell resets before the matmul, PyTorch's GRU after), a variational mask on h, dL/dh_t probes, and
 * padded backward runs that keep every state. Set with BPTT_FUSED_RECURRENCE or `setFusedRecurrence`.
 */
import { NATIVE_BACKEND_NAME } from '../native/load.ts';

export const FUSED_RECURRENCE_CHOICES = ['auto', 'always', 'off'] as const;

/** The backends where `auto` fuses (measurements above); named as tfjs names them. */
export const AUTO_FUSED_BACKENDS: readonly string[] = [NATIVE_BACKEND_NAME, 'wasm'];
export type FusedRecurrence = (typeof FUSED_RECURRENCE_CHOICES)[number];

export function fusedRecurrenceFromEnv(env: NodeJS.ProcessEnv = process.env): FusedRecurrence {
  const value = env['BPTT_FUSED_RECURRENCE'];
  if (value === undefined || value === '') return 'auto';
  if (!(FUSED_RECURRENCE_CHOICES as readonly string[]).includes(value)) {
    throw new Error(`BPTT_FUSED_RECURRENCE: expected one of ${FUSED_RECURRENCE_CHOICES.join(', ')}, got "${value}"`);
  }
  return value as FusedRecurrence;
}

let policy: FusedRecurrence | undefined;

export function fusedRecurrence(): FusedRecurrence {
  policy ??= fusedRecurrenceFromEnv();
  return policy;
}

export function setFusedRecurrence(next: FusedRecurrence): void {
  policy = next;
}
