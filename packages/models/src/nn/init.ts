/**
 * Weight initialisers. Values are drawn in JavaScript from our seeded `Rng` (not tf.random*), so the same seed
 * gives the same weights on every backend and every machine.
 */
import type { Rng } from '@bptt/data';

export function uniformValues(rng: Rng, size: number, bound: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (2 * rng.next() - 1) * bound;
  return out;
}

export function normalValues(rng: Rng, size: number, std = 1): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.normal() * std;
  return out;
}

/** Glorot/Xavier uniform for a [fanIn, fanOut] matrix. */
export function glorotValues(rng: Rng, fanIn: number, fanOut: number): Float32Array {
  return uniformValues(rng, fanIn * fanOut, Math.sqrt(6 / (fanIn + fanOut)));
}

/**
 * A [rows, cols] matrix with orthonormal columns (Saxe et al. 2014), via modified Gram-Schmidt on a Gaussian
 * matrix. Written out instead of tf.linalg.qr so the result does not depend on the backend.
 */
export function orthogonalValues(rng: Rng, rows: number, cols: number): Float32Array {
  // Orthonormalise along the longer side, as Keras' Orthogonal initializer does.
  const tall = rows >= cols;
  const n = tall ? rows : cols;
  const k = tall ? cols : rows;
  const vectors: Float64Array[] = [];
  for (let j = 0; j < k; j++) {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = rng.normal();
    for (const u of vectors) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += (u[i] as number) * (v[i] as number);
      for (let i = 0; i < n; i++) v[i] = (v[i] as number) - dot * (u[i] as number);
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += (v[i] as number) ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < n; i++) v[i] = (v[i] as number) / norm;
    vectors.push(v);
  }
  const out = new Float32Array(rows * cols);
  for (let j = 0; j < k; j++) {
    const v = vectors[j] as Float64Array;
    for (let i = 0; i < n; i++) {
      // tall: vector j is column j; wide: vector j is row j.
      if (tall) out[i * cols + j] = v[i] as number;
      else out[j * cols + i] = v[i] as number;
    }
  }
  return out;
}
