const t0 = performance.now();
const tf = await import('@tensorflow/tfjs-core');
const { initBackend } = await import('@bptt/models');
const t1 = performance.now();
const info = await initBackend((process.argv[2] ?? 'wasm') as 'wasm');
const t2 = performance.now();
const { register } = await import('node:module');
if (tf.getGradient('Add') == null) { register('./tfjs-core-esm-hooks.mjs', import.meta.url); await import('@tensorflow/tfjs-core/dist/register_all_gradients.js'); }
const t3 = performance.now();
console.log(info.name, 'import', (t1-t0).toFixed(0), 'init', (t2-t1).toFixed(0), 'grads', (t3-t2).toFixed(0));
