/**
 * Runs TensorFlow ops by name on tfjs-node's backend. tfjs-node exposes every TF op through
 * `executeMultipleOutputs(name, attrs, inputs, numOutputs)`, including the fused recurrent kernels that tfjs has
 * no op for. The types below are the slice of tfjs-node's NodeJSKernelBackend we use, written out so this package
 * typechecks whether or not the optional dependency is installed.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { NATIVE_BACKEND_NAME } from './load.ts';

/** One attribute of a TF eager op (tfjs-node's TFEOpAttr). */
export interface TfeOpAttr {
  readonly name: string;
  readonly type: number;
  readonly value: boolean | number | string | number[];
}

interface NativeBinding {
  readonly TF_FLOAT: number;
  readonly TF_INT32: number;
  readonly TF_INT64: number;
  readonly TF_ATTR_TYPE: number;
  readonly TF_ATTR_FLOAT: number;
  readonly TF_ATTR_BOOL: number;
}

/** What the fused native ops need from tfjs-node's NodeJSKernelBackend. */
export interface NativeKernelBackend {
  readonly binding: NativeBinding;
  executeMultipleOutputs(name: string, attrs: TfeOpAttr[], inputs: TensorInfo[], numOutputs: number): tf.Tensor[];
  executeSingleOutput(name: string, attrs: TfeOpAttr[], inputs: TensorInfo[]): tf.Tensor;
}

/** The `tensorflow` backend, or a clear error naming the op that needed it. */
export function nativeKernelBackend(op: string): NativeKernelBackend {
  const backend = tf.findBackend(NATIVE_BACKEND_NAME) as unknown as Partial<NativeKernelBackend> | null;
  if (backend === null || typeof backend.executeMultipleOutputs !== 'function' || backend.binding === undefined) {
    throw new Error(
      `${op} needs the '${NATIVE_BACKEND_NAME}' backend (@tensorflow/tfjs-node); call tryLoadNativeTensorflow() ` +
        `first and check that it reports available: true (see docs/native-tensorflow.md)`,
    );
  }
  return backend as NativeKernelBackend;
}

/** Throws a clear error unless `tensorflow` is the active backend (the native ops have no other kernels). */
export function requireNativeBackend(op: string, alternative: string): void {
  const active = tf.getBackend();
  if (active !== NATIVE_BACKEND_NAME) {
    throw new Error(`${op} runs TensorFlow's own kernel and needs the active backend to be '${NATIVE_BACKEND_NAME}', not '${active}'; ${alternative}`);
  }
}

export const attr = {
  float32Type: (backend: NativeKernelBackend, name = 'T'): TfeOpAttr => ({
    name,
    type: backend.binding.TF_ATTR_TYPE,
    value: backend.binding.TF_FLOAT,
  }),
  float: (backend: NativeKernelBackend, name: string, value: number): TfeOpAttr => ({
    name,
    type: backend.binding.TF_ATTR_FLOAT,
    value,
  }),
  bool: (backend: NativeKernelBackend, name: string, value: boolean): TfeOpAttr => ({
    name,
    type: backend.binding.TF_ATTR_BOOL,
    value,
  }),
};

/**
 * An int64 scalar, which tfjs cannot create: TF's `Cast` makes one from an int32 scalar. tfjs-node warns on every
 * int64 output ("stored as BigInt64Array"); the value is only ever fed back into TF ops, never read, so that
 * warning is silenced for this one call. The caller disposes the result.
 */
export function int64Scalar(backend: NativeKernelBackend, value: number): tf.Tensor {
  const int32 = tf.scalar(value, 'int32');
  const warn = console.warn;
  console.warn = () => {};
  try {
    return backend.executeSingleOutput(
      'Cast',
      [
        { name: 'SrcT', type: backend.binding.TF_ATTR_TYPE, value: backend.binding.TF_INT32 },
        { name: 'DstT', type: backend.binding.TF_ATTR_TYPE, value: backend.binding.TF_INT64 },
        { name: 'Truncate', type: backend.binding.TF_ATTR_BOOL, value: false },
      ],
      [int32],
    );
  } finally {
    console.warn = warn;
    int32.dispose();
  }
}
