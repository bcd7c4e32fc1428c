/**
 * The tensor backend as a service. It is initialised on first use only, so stages that do no tensor math
 * (synthesis, tokenisation, reports) never pay for loading TensorFlow.js.
 */
import { Context, Effect, Layer } from 'effect';
import type { BackendChoice, BackendInfo } from '@bptt/models';
import { StageFailure } from './errors.ts';

export interface TensorBackendShape {
  readonly requested: BackendChoice;
  /** Initialises the backend once and says which one runs. */
  readonly ensure: Effect.Effect<BackendInfo, StageFailure>;
}

export class TensorBackend extends Context.Service<TensorBackend, TensorBackendShape>()('bptt/TensorBackend') {}

export const BACKEND_CHOICES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const satisfies readonly BackendChoice[];

/** `--backend` wins, then BPTT_BACKEND, then auto (tensorflow, then wasm, then cpu). */
export function backendChoiceFrom(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): BackendChoice {
  const value = flag ?? env['BPTT_BACKEND'] ?? 'auto';
  if (!(BACKEND_CHOICES as readonly string[]).includes(value)) {
    throw new Error(`--backend (or BPTT_BACKEND): expected one of ${BACKEND_CHOICES.join(', ')}, got "${value}"`);
  }
  return value as BackendChoice;
}

export function tensorBackendLayer(requested: BackendChoice): Layer.Layer<TensorBackend> {
  let initialised: Promise<BackendInfo> | undefined;
  const ensure = Effect.tryPromise({
    try: () => (initialised ??= import('@bptt/models').then(({ initBackend }) => initBackend(requested))),
    catch: (cause) => new StageFailure({ stage: 'backend', reason: `cannot start the "${requested}" tensor backend: ${String(cause)}`, cause }),
  });
  return Layer.succeed(TensorBackend, { requested, ensure });
}
