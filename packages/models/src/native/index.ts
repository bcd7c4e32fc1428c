export { NATIVE_BACKEND_NAME, tryLoadNativeTensorflow, type NativeTensorflowStatus } from './load.ts';
export { DEFAULT_INTRA_OP_THREADS, INTRA_OP_THREADS_VARIABLE, intraOpThreadsFromEnv } from './intra-op-threads.ts';
export { nativeKernelBackend, type NativeKernelBackend, type TfeOpAttr } from './execute.ts';
export {
  nativeLstmCell,
  nativeLstmSequence,
  prepareNativeLstmCell,
  NATIVE_LSTM_CELL,
  NATIVE_LSTM_SEQUENCE,
  type LstmWeights,
  type NativeLstmCellWeights,
} from './lstm-block.ts';
export { nativeGruBlockCell, prepareNativeGruCell, NATIVE_GRU_CELL, type GruWeights, type NativeGruCellWeights } from './gru-block.ts';
export * from './graph/index.ts';
export { NATIVE_KERNEL_FIXES } from './kernel-fixes.ts';
export {
  fusedLstmStep,
  fusedLstmStepGrad,
  nativeStepKernels,
  nativeStepKernelsFromEnv,
  nativeSequenceThreadsFromEnv,
  setNativeStepKernels,
  NATIVE_SEQUENCE_THREADS_VARIABLE,
  NATIVE_STEP_KERNELS_VARIABLE,
  type NativeStepKernelsChoice,
  type NativeStepKernelsStatus,
} from './step-kernels.ts';
