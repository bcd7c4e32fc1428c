export { lstmGates, LSTM_GATES, LSTM_GATES_GRAD } from './lstm-gates.ts';
export { gruGates, GRU_GATES, GRU_GATES_GRAD } from './gru-gates.ts';
export { MEMORY_BACKENDS, type MemoryBackendName } from './backend-memory.ts';
export { lstmSequence, LSTM_SEQUENCE, LSTM_SEQUENCE_GRAD } from './lstm-sequence.ts';
export { adamUpdate, adamUpdateWithScalarTensors, ADAM_UPDATE, ADAM_UPDATE_SCALAR_TENSORS, type AdamUpdateScalars, type AdamUpdateScalarTensors } from './adam-update.ts';
