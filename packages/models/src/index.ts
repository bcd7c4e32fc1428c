export * from './contract.ts';
export * from './config.ts';

export { initBackend, backendChoiceFromEnv, BackendUnavailableError, BACKEND_CHOICES } from './backend/init-backend.ts';
export type { BackendChoice, BackendName, BackendInfo, BackendAttempt } from './backend/init-backend.ts';
export { registerWasmKernelFixes, WASM_KERNEL_FIXES } from './backend/wasm-kernels.ts';
export { wasmThreadsFromEnv, MAX_WASM_THREADS } from './backend/wasm-threads.ts';
export { ensureGradientsRegistered } from './backend/gradients.ts';

export { PAD_ID, BOS_ID, EOS_ID, UNK_ID } from './batch/special-tokens.ts';
export { makeSeq2SeqBatch, makeSourceBatch, disposeBatch, type Seq2SeqBatchOptions } from './batch/seq2seq-batch.ts';
export type { EncodedSeq2SeqSplit } from './batch/seq2seq-batch.ts';
export { batchifyStream, batchifyAlignedStream, streamChunk, chunkStarts } from './batch/stream.ts';
export type { EncodedStreamSplit, BatchifiedStream } from './batch/stream.ts';

export { Seq2SeqModel } from './seq2seq/model.ts';
export type { Seq2SeqModelOptions, EncodedBatch, DecodeStepResult, Seq2SeqRun } from './seq2seq/model.ts';
export type { DecoderState } from './seq2seq/decoder.ts';
export type { EncoderOutput } from './seq2seq/encoder.ts';
export { planTeacherForcing, teacherForcingCoins } from './seq2seq/teacher-forcing.ts';
export type { TeacherForcingPlan } from './seq2seq/teacher-forcing.ts';
export { RecurrentLanguageModel } from './lm/model.ts';
export type { LanguageModelOptions, StreamRun } from './lm/model.ts';

export { redrawDropoutMasks, type ModelHooks } from './nn/dropout.ts';
export type { CellState } from './nn/recurrent-cell.ts';
export { detach } from './nn/detach.ts';
export { AUTO_FUSED_BACKENDS, FUSED_RECURRENCE_CHOICES, fusedRecurrence, fusedRecurrenceFromEnv, setFusedRecurrence } from './nn/fusion-policy.ts';
export type { FusedRecurrence } from './nn/fusion-policy.ts';
export { recurrentMatMul } from './nn/recurrent-matmul.ts';
export { lstmStep } from './nn/lstm-cell.ts';
export { gruStep } from './nn/gru-cell.ts';

export { greedyDecode, predictFreeRunning } from './decode/greedy.ts';
export type { GreedyOptions } from './decode/greedy.ts';
export { beamSearch, lengthPenalty } from './decode/beam.ts';
export type { BeamSearchOptions } from './decode/beam.ts';
export { predictTeacherForced } from './decode/teacher-forced.ts';
export { batchNll, evaluateSeq2Seq, evaluateStream } from './decode/evaluate.ts';
export type { NllSummary, ExampleNll } from './decode/evaluate.ts';
export type { DecodedSequence, ScoredSequence, BeamSearchResult, TeacherForcedPrediction } from './decode/types.ts';

export { serializeModel, deserializeModel, loadModel, MODEL_JSON, WEIGHTS_FILE, SEQ2SEQ_FORMAT, LANGUAGE_MODEL_FORMAT } from './io/model-files.ts';
export type { SavedModel } from './io/model-files.ts';
export { gradientsReleasingTape } from './autograd/releasing-backprop.ts';
export type { ReleasingGradients } from './autograd/releasing-backprop.ts';
export { gradientsWithProbes } from './diagnostics/probe-gradients.ts';
export type { ProbeGradients } from './diagnostics/probe-gradients.ts';

// Native TensorFlow loading and fused recurrent kernels (see docs/native-tensorflow.md).
export * from './native/index.ts';
export * from './fused/index.ts';
