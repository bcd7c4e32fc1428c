/**
 * Checks that the native backend works the way @bptt/models will use it: tfjs-node loads through the product's
 * own loader, `tensorflow` is the active backend, a matmul gives the right numbers and TensorFlow's fused LSTM
 * kernel (BlockLSTMV2, which needs the int64 cast) runs. Exit 0 and one summary line, or exit 1 and the reason.
 *
 *   node --conditions=@bptt/source --import tsx scripts/native/verify.ts
 */
import * as tf from '@tensorflow/tfjs-core';
import { nativeLstmSequence, tryLoadNativeTensorflow } from '../../packages/models/src/native/index.ts';

function fail(message: string): never {
  process.stderr.write(`native:verify: ${message}\n`);
  process.exit(1);
}

const status = tryLoadNativeTensorflow();
if (!status.available) fail(status.reason);
if (tf.getBackend() !== 'tensorflow') fail(`tfjs-node loaded but the active backend is '${tf.getBackend()}'`);

const product = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5, 6], [7, 8]])).dataSync();
if (product.join(',') !== '19,22,43,50') fail(`matMul gave [${product.join(', ')}], expected [19, 22, 43, 50]`);

// Even batch and input sizes: TF warns that BlockLSTM is slow when both are odd.
const H = 2;
const { h } = nativeLstmSequence(tf.fill([3, 2, 2], 0.5) as tf.Tensor3D, tf.zeros([2, H]), tf.zeros([2, H]), {
  kernel: tf.ones([2, 4 * H]),
  recurrentKernel: tf.zeros([H, 4 * H]),
  bias: tf.zeros([4 * H]),
});
// One step by hand: z = 1 for every gate, c = σ(1)·tanh(1), h = σ(1)·tanh(c).
const s = 1 / (1 + Math.exp(-1));
const expected = s * Math.tanh(s * Math.tanh(1));
const first = h.dataSync()[0] as number;
if (Math.abs(first - expected) > 1e-6) fail(`BlockLSTMV2 gave h_0 = ${first}, expected ${expected}`);

process.stdout.write(
  `native:verify: ok: backend tensorflow, libtensorflow ${status.tensorflowVersion}, ` +
    `@tensorflow/tfjs-node ${status.tfjsNodeVersion}, fused kernels run; load-time pages: ${status.loadPages.detail}\n`,
);
