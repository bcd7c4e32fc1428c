"""The Keras peer for `npm run bench`: the model of ../shared/bench/torch_seq2seq.py (one-layer LSTM encoder-decoder,
teacher forcing, Adam, random tokens) in Keras 3 on TensorFlow, trained with `train_on_batch` (a compiled
tf.function: one graph call per step, which is what a Keras user gets). Prints one `RESULT {json}` line in the
PyTorch peer's format, so the bench reads both the same way.

Run by packages/train/bench/keras-peer.ts when `import tensorflow, keras` works; the project itself stays TypeScript.
"""
import argparse
import json
import os
import statistics
import time

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
os.environ.setdefault('KERAS_BACKEND', 'tensorflow')

p = argparse.ArgumentParser()
for k, v in dict(B=64, H=128, E=64, V=32, T=20, steps=20, warmup=3, threads=2, seed=0).items():
    p.add_argument('--' + k, type=int, default=v)
a = p.parse_args()

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(a.threads)
tf.config.threading.set_inter_op_parallelism_threads(a.threads)
keras.utils.set_random_seed(a.seed)
B, H, E, V, T = a.B, a.H, a.E, a.V, a.T

src_in = keras.Input((T,), batch_size=B, dtype='int32')
dec_in = keras.Input((T,), batch_size=B, dtype='int32')
_, h, c = keras.layers.LSTM(H, return_state=True)(keras.layers.Embedding(V, E)(src_in))
dec_h = keras.layers.LSTM(H, return_sequences=True)(keras.layers.Embedding(V, E)(dec_in), initial_state=[h, c])
logits = keras.layers.Dense(V)(dec_h)
model = keras.Model([src_in, dec_in], logits)
model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))

rng = np.random.default_rng(a.seed)
src = rng.integers(1, V, (B, T), dtype=np.int32)
tgt = rng.integers(1, V, (B, T), dtype=np.int32)
shifted = np.concatenate([np.zeros((B, 1), np.int32), tgt[:, :-1]], 1)

times, first, last = [], None, None
for step in range(a.warmup + a.steps):
    t0 = time.perf_counter()
    value = float(model.train_on_batch([src, shifted], tgt))
    ms = (time.perf_counter() - t0) * 1000
    first = value if first is None else first
    last = value
    if step >= a.warmup:
        times.append(ms)
med = statistics.median(times)
print('RESULT ' + json.dumps(dict(
    peer='keras', mode='fused', torch='keras ' + keras.__version__ + ' / tensorflow ' + tf.__version__, threads=a.threads,
    B=B, H=H, E=E, V=V, T=T, steps=a.steps, median_ms=round(med, 2), min_ms=round(min(times), 2),
    tokens_per_s=round(B * T / (med / 1000)), first_loss=round(first, 4), last_loss=round(last, 4))))
