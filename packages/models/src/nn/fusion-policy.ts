/**
 * When a recurrent layer runs as one fused kernel per sequence instead of step by step.
 *
 * - `auto` (default): fused where it is at least as fast. On the native `tensorflow` backend that is TensorFlow's
 *   BlockLSTMV2 for LSTM layers (bench: 1.5-2.7x the same model run step by step). On wasm it is `lstmSequence`,
 *   which runs below the engine with the SIMD step kernel (fused/lstm-sequence-wasm.ts): median of three bench rounds,
 *   13.0k vs 10.6k tokens/s for the product run step by step (reference config), level on the larger one (5.4k
 *   both), with one tape node per layer instead of a dozen per step and about the same memory (314 vs 304 MiB,
 *   372 vs 411 MiB). The plain-JS cpu backend stays unrolled: it is the reference the fused paths are tested against.
 * - `always`: fused on every backend (`lstmSequence` off the native backend, in JavaScript on cpu). Tests use it
 *   to check the fused routing against the unrolled path on cpu.
 * - `off`: always unrolled, the reference path.
 *
 * Whatever the policy, a layer runs unrolled when its math needs the per-step graph: GRU layers (TensorFlow's
 * GRUBlockCell resets before the matmul, PyTorch's GRU after), a variational mask on h, dL/dh_t probes, and
 * padded backward runs that keep every state. Set with BPTT_FUSED_RECURRENCE or `setFusedRecurrence`.
 */
import { envChoice } from '../env-choice.ts';
import { NATIVE_BACKEND_NAME } from '../native/load.ts';

export const FUSED_RECURRENCE_CHOICES = ['auto', 'always', 'off'] as const;

/** The backends where `auto` fuses (measurements above); named as tfjs names them. */
export const AUTO_FUSED_BACKENDS: readonly string[] = [NATIVE_BACKEND_NAME, 'wasm'];
export type FusedRecurrence = (typeof FUSED_RECURRENCE_CHOICES)[number];

export function fusedRecurrenceFromEnv(env: NodeJS.ProcessEnv = process.env): FusedRecurrence {
  return envChoice(env, 'BPTT_FUSED_RECURRENCE', FUSED_RECURRENCE_CHOICES, 'auto');
}

let policy: FusedRecurrence | undefined;

export function fusedRecurrence(): FusedRecurrence {
  policy ??= fusedRecurrenceFromEnv();
  return policy;
}

export function setFusedRecurrence(next: FusedRecurrence): void {
  policy = next;
}
