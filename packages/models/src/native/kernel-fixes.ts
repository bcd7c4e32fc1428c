/**
 * tfjs-node kernels replaced on the `tensorflow` backend.
 *
 * - GatherV2 (every embedding lookup): tfjs-node copies the indices back into JavaScript to check their range
 *   before running TensorFlow's GatherV2, one device-to-JavaScript sync per lookup, and a read-back that makes the
 *   step impossible to run as one graph (graph/trace.ts). TensorFlow's CPU kernel checks the range itself and
 *   fails with "indices[i,j] = k is not in [0, n)", so the replacement runs it directly.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeKernelBackend } from './execute.ts';
import { tfDataType } from './graph/graph-def.ts';
import { NATIVE_BACKEND_NAME } from './load.ts';

export const NATIVE_KERNEL_FIXES = ['GatherV2 without the JavaScript range check (TensorFlow checks)'] as const;

let registered = false;

export function registerNativeKernelFixes(): void {
  if (registered) return;
  registered = true;
  tf.unregisterKernel(tf.GatherV2, NATIVE_BACKEND_NAME);
  tf.registerKernel({
    kernelName: tf.GatherV2,
    backendName: NATIVE_BACKEND_NAME,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const native = backend as unknown as NativeKernelBackend & KernelBackend;
      const { x, indices } = inputs as { x: TensorInfo; indices: TensorInfo };
      const { axis, batchDims } = attrs as unknown as tf.GatherV2Attrs;
      tf.backend_util.segment_util.collectGatherOpShapeInfo(x as tf.Tensor, indices as tf.Tensor, axis, batchDims);
      const axisTensor = tf.scalar(axis, 'int32');
      try {
        const b = native.binding as unknown as { TF_ATTR_INT: number; TF_ATTR_TYPE: number };
        return native.executeSingleOutput(
          'GatherV2',
          [
            { name: 'batch_dims', type: b.TF_ATTR_INT, value: batchDims },
            { name: 'Tparams', type: b.TF_ATTR_TYPE, value: tfDataType(x.dtype) },
            { name: 'Tindices', type: b.TF_ATTR_TYPE, value: tfDataType(indices.dtype) },
            { name: 'Taxis', type: b.TF_ATTR_TYPE, value: tfDataType('int32') },
          ],
          [x, indices, axisTensor],
        );
      } finally {
        axisTensor.dispose();
      }
    },
  });
}
