/**
 * The WebAssembly text of the SIMD kernels run on tfjs-backend-wasm's own heap (see simd-kernels.ts): an LSTM
 * step and a GRU step, forward and backward, a 2-D transpose, sums over rows (all of them, or by segment) and an Adam update.
 *
 * Written as a generator rather than a .wat file for one reason: V8 does not inline WebAssembly calls, and every
 * call spills the caller's live SIMD registers, so a kernel that called helper functions for exp, σ and tanh ran
 * at a third of the speed of the same code inlined (measured: the forward pass at B = 64, H = 128 spent ~60 us
 * of its ~130 us outside the arithmetic). `expInline` writes exp out in place instead, for several vectors at
 * once so their dependency chains interleave.
 *
 * Layout (as the JavaScript kernels in ../lstm-gates.ts): rows of B, gate blocks (i, f, g, o) of width H in z,
 * saved = (i, f, g, o, tanh c') in blocks of width H. Pointers are byte offsets into the heap. Every function
 * needs H % 4 == 0 (the caller checks); a null pointer (0: tfjs's allocator never returns it) means "absent".
 *
 * exp is Cephes' expf in float32: range reduction by ln 2 in two parts, a degree-5 polynomial, 2^n built in the
 * exponent bits; within 2 ulp on [-87.3, 88.3], where inputs are clamped, so σ and tanh saturate instead of
 * overflowing. Only instructions that map to single x86 instructions: pmin/pmax for the clamp (NaN passes
 * through both, so a diverging run still shows as NaN), and rounding to nearest by adding 1.5·2^23, which leaves
 * n in the low mantissa bits of the sum, so 2^n is (sum << 23) + bits(1.0) (the sum's exponent bits shift out).
 */

const splat = (value: string): string => `(v128.const f32x4 ${value} ${value} ${value} ${value})`;

/**
 * Every constant lives in a local set once per call: V8 rebuilds a \`v128.const\` from immediates each time it
 * appears, which inside exp cost more than the arithmetic.
 */
const CONSTANTS = {
  one: splat('1'),
  two: splat('2'),
  expMax: splat('88.3'),
  expMin: splat('-87.3'),
  log2e: splat('1.44269504088896341'),
  rounder: splat('12582912'), // 1.5 · 2^23
  ln2Hi: splat('0.693359375'),
  ln2Lo: splat('-2.12194440e-4'),
  p0: splat('1.9875691500e-4'),
  p1: splat('1.3981999507e-3'),
  p2: splat('8.3334519073e-3'),
  p3: splat('4.1665795894e-2'),
  p4: splat('1.6666665459e-1'),
  p5: splat('5.0000001201e-1'),
  oneBits: '(v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000)',
} as const;
const constant = (name: keyof typeof CONSTANTS): string => `(local.get $k_${name})`;
const CONSTANT_LOCALS = Object.keys(CONSTANTS).map((name) => `(local $k_${name} v128)`).join(' ');
const SET_CONSTANTS = Object.entries(CONSTANTS).map(([name, value]) => `(local.set $k_${name} ${value})`).join('\n    ');
const ONE = constant('one');
const TWO = constant('two');
const ROUNDER = constant('rounder');

/** Statements that replace each local `$x` in `names` by e^x (clobbering `$n_x`, `$y_x`), interleaved. */
function expInline(names: readonly string[]): string[] {
  const each = (line: (x: string) => string): string[] => names.map(line);
  const poly = [constant('p1'), constant('p2'), constant('p3'), constant('p4'), constant('p5')];
  return [
    ...each((x) => `(local.set $${x} (f32x4.pmax (f32x4.pmin (local.get $${x}) ${constant('expMax')}) ${constant('expMin')}))`),
    ...each((x) => `(local.set $n_${x} (f32x4.add (f32x4.mul (local.get $${x}) ${constant('log2e')}) ${ROUNDER}))`),
    ...each((x) => `(local.set $y_${x} (f32x4.sub (local.get $n_${x}) ${ROUNDER}))`),
    ...each((x) => `(local.set $${x} (f32x4.sub (local.get $${x}) (f32x4.mul (local.get $y_${x}) ${constant('ln2Hi')})))`),
    ...each((x) => `(local.set $${x} (f32x4.sub (local.get $${x}) (f32x4.mul (local.get $y_${x}) ${constant('ln2Lo')})))`),
    ...each((x) => `(local.set $y_${x} ${constant('p0')})`),
    ...poly.flatMap((p) => each((x) => `(local.set $y_${x} (f32x4.add (f32x4.mul (local.get $y_${x}) (local.get $${x})) ${p}))`)),
    ...each(
      (x) =>
        `(local.set $y_${x} (f32x4.add (f32x4.add (f32x4.mul (local.get $y_${x}) (f32x4.mul (local.get $${x}) (local.get $${x}))) (local.get $${x})) ${ONE}))`,
    ),
    ...each(
      (x) =>
        `(local.set $${x} (f32x4.mul (local.get $y_${x}) (i32x4.add (i32x4.shl (local.get $n_${x}) (i32.const 23)) ${constant('oneBits')})))`,
    ),
  ];
}

const expLocals = (names: readonly string[]): string => names.map((x) => `(local $${x} v128) (local $n_${x} v128) (local $y_${x} v128)`).join(' ');

/** σ from e^-x, tanh from e^2x */
const sigmoidOf = (e: string): string => `(f32x4.div ${ONE} (f32x4.add ${ONE} ${e}))`;
const tanhOf = (e: string): string => `(f32x4.sub ${ONE} (f32x4.div ${TWO} (f32x4.add ${ONE} ${e})))`;

const get = (name: string): string => `(local.get $${name})`;
const load = (address: string, offset = 0): string => `(v128.load offset=${offset} align=4 ${address})`;
const store = (address: string, value: string, offset = 0): string => `(v128.store offset=${offset} align=4 ${address} ${value})`;
const add = (a: string, b: string): string => `(i32.add ${a} ${b})`;
const blocks = (n: number): string => (n === 0 ? '(i32.const 0)' : `(i32.mul ${get('block')} (i32.const ${n}))`);

/** tanh c' and h' for one group of four units at byte offset `+at` of the group addressed by $s / $st. */
function finishGroup(e: string, at: number): string[] {
  return [
    `(local.set $tc ${tanhOf(get(e))})`,
    store(add(get('s'), blocks(4)), get('tc'), at),
    `(local.set $h (f32x4.mul ${load(add(get('s'), blocks(3)), at)} ${get('tc')}))`,
    store(add(get('hOut'), get('st')), get('h'), at),
    `(if ${get('hCopy')} (then ${store(add(get('hCopy'), get('st')), get('h'), at)}))`,
  ];
}

const indent = (lines: readonly string[], depth: number): string => lines.map((line) => `${' '.repeat(depth)}${line}`).join('\n');

/** Row offsets of the group at byte $k of row $b: $s in saved (5H wide), $st in the state (H wide). */
const GROUP_OFFSETS = [
  `(local.set $s (i32.add ${get('saved')} (i32.add (i32.mul ${get('b')} (i32.mul ${get('block')} (i32.const 5))) ${get('k')})))`,
  `(local.set $st (i32.add (i32.mul ${get('b')} ${get('block')}) ${get('k')}))`,
];

const FORWARD_GATES = [
  // $z: the group in xProj, $zh in hProj (4H wide)
  `(local.set $z (i32.add (i32.mul ${get('b')} (i32.shl ${get('block')} (i32.const 2))) ${get('k')}))`,
  `(local.set $zh (i32.add ${get('hProj')} ${get('z')}))`,
  `(local.set $z (i32.add ${get('xProj')} ${get('z')}))`,
  ...GROUP_OFFSETS,
  `(local.set $ei (f32x4.neg (f32x4.add ${load(get('z'))} ${load(get('zh'))})))`,
  `(local.set $ef (f32x4.neg (f32x4.add ${load(add(get('z'), blocks(1)))} ${load(add(get('zh'), blocks(1)))})))`,
  `(local.set $eg (f32x4.mul ${TWO} (f32x4.add ${load(add(get('z'), blocks(2)))} ${load(add(get('zh'), blocks(2)))})))`,
  `(local.set $eo (f32x4.neg (f32x4.add ${load(add(get('z'), blocks(3)))} ${load(add(get('zh'), blocks(3)))})))`,
  ...expInline(['ei', 'ef', 'eg', 'eo']),
  `(local.set $i ${sigmoidOf(get('ei'))})`,
  `(local.set $f ${sigmoidOf(get('ef'))})`,
  `(local.set $g ${tanhOf(get('eg'))})`,
  `(local.set $o ${sigmoidOf(get('eo'))})`,
  `(local.set $cNew (f32x4.add (f32x4.mul ${get('f')} ${load(add(get('c'), get('st')))}) (f32x4.mul ${get('i')} ${get('g')})))`,
  store(get('s'), get('i')),
  store(add(get('s'), blocks(1)), get('f')),
  store(add(get('s'), blocks(2)), get('g')),
  store(add(get('s'), blocks(3)), get('o')),
  store(add(get('cOut'), get('st')), get('cNew')),
];

const FORWARD_QUAD = [
  ...GROUP_OFFSETS,
  `(local.set $z (i32.add ${get('cOut')} ${get('st')}))`,
  ...['e0', 'e1', 'e2', 'e3'].map((e, q) => `(local.set $${e} (f32x4.mul ${TWO} ${load(get('z'), 16 * q)}))`),
  ...expInline(['e0', 'e1', 'e2', 'e3']),
  ...['e0', 'e1', 'e2', 'e3'].flatMap((e, q) => finishGroup(e, 16 * q)),
];

const FORWARD_SINGLE = [
  ...GROUP_OFFSETS,
  `(local.set $e0 (f32x4.mul ${TWO} ${load(add(get('cOut'), get('st')))}))`,
  ...expInline(['e0']),
  ...finishGroup('e0', 0),
];

const FORWARD = `
  ;; z = xProj + hProj; i, f, o = σ(z_i, z_f, z_o); g = tanh z_g; c' = f c + i g; h' = o tanh c'.
  ;; Writes h' to hOut (and to hCopy unless null), c' to cOut, (i, f, g, o, tanh c') to saved.
  ;; Each row runs in two passes so that exp always has four independent inputs: the four gates of one group of
  ;; units, then tanh c' of four groups at a time (the last H/4 mod 4 groups one by one, $k going on from where
  ;; the four-at-a-time loop stopped).
  (func (export "lstm_gates_forward")
    (param $xProj i32) (param $hProj i32) (param $c i32)
    (param $hOut i32) (param $cOut i32) (param $saved i32) (param $hCopy i32)
    (param $B i32) (param $H i32)
    (local $block i32) (local $b i32) (local $k i32)
    (local $z i32) (local $zh i32) (local $s i32) (local $st i32)
    (local $i v128) (local $f v128) (local $g v128) (local $o v128) (local $cNew v128) (local $tc v128) (local $h v128)
    ${expLocals(['ei', 'ef', 'eg', 'eo'])}
    ${expLocals(['e0', 'e1', 'e2', 'e3'])}
    ${CONSTANT_LOCALS}
    ${SET_CONSTANTS}
    (local.set $block (i32.shl (local.get $H) (i32.const 2)))
    ${countedLoop(
      'rows',
      'b',
      '(local.get $B)',
      1,
      `${countedLoop('gates', 'k', '(local.get $block)', 16, indent(FORWARD_GATES, 8).trimStart())}
        (local.set $k (i32.const 0))
        ${loopWhile('quads', 'k', '(i32.gt_u (i32.add (local.get $k) (i32.const 64)) (local.get $block))', 64, indent(FORWARD_QUAD, 8).trimStart())}
        ${loopWhile('singles', 'k', '(i32.ge_u (local.get $k) (local.get $block))', 16, indent(FORWARD_SINGLE, 8).trimStart())}`,
    )})
`;

/**
 * dz also into dzT, transposed: unit u of gate q of row b goes to row q·H + u, column b, of a matrix whose rows
 * are $dzTRow bytes apart ($dzT addresses column 0 of this step). Lanes are stored one by one.
 */
const TRANSPOSED_DZ = [
  `(local.set $p (i32.add ${get('dzT')} (i32.add (i32.mul (i32.shr_u ${get('k')} (i32.const 2)) ${get('dzTRow')}) (i32.shl ${get('b')} (i32.const 2)))))`,
  ...['dzi', 'dzf', 'dzg', 'dzo'].flatMap((dz, q) => [
    ...(q === 0 ? [] : [`(local.set $p (i32.add ${get('p')} ${get('gateRows')}))`]),
    ...[0, 1, 2, 3].map(
      (lane) => `(f32.store ${lane === 0 ? get('p') : `(i32.add ${get('p')} (i32.mul ${get('dzTRow')} (i32.const ${lane})))`} (f32x4.extract_lane ${lane} ${get(dz)}))`,
    ),
  ]),
];



/** i8x16.shuffle byte indices that pick these i32 lanes (0-3 from the first operand, 4-7 from the second). */
const lanes = (...picks: number[]): string => picks.flatMap((lane) => [0, 1, 2, 3].map((byte) => 4 * lane + byte)).join(' ');

/**
 * dst [C, R] = srcᵀ for src [R, C], R and C multiples of 4 (the caller checks), in 4 x 4 blocks: four row loads,
 * eight shuffles, four column stores. Row blocks outer, so the reads stream and each output cache line is
 * finished within four consecutive row blocks. (The wasm backend's own Transpose moves one element at a time:
 * ~4 ns per element here, against ~0.5 ns.)
 */
const TRANSPOSE = `
  (func (export "transpose") (param $src i32) (param $dst i32) (param $R i32) (param $C i32)
    (local $i i32) (local $j i32) (local $rowBytes i32) (local $colBytes i32) (local $from i32) (local $to i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $rowBytes (i32.shl (local.get $C) (i32.const 2)))
    (local.set $colBytes (i32.shl (local.get $R) (i32.const 2)))
    ${countedLoop('rows', 'i', '(local.get $R)', 4, countedLoop('cols', 'j', '(local.get $C)', 4, `(local.set $from (i32.add (local.get $src)
          (i32.shl (i32.add (i32.mul (local.get $i) (local.get $C)) (local.get $j)) (i32.const 2))))
        (local.set $r0 (v128.load align=4 (local.get $from)))
        (local.set $r1 (v128.load align=4 (i32.add (local.get $from) (local.get $rowBytes))))
        (local.set $r2 (v128.load align=4 (i32.add (local.get $from) (i32.shl (local.get $rowBytes) (i32.const 1)))))
        (local.set $r3 (v128.load align=4 (i32.add (local.get $from) (i32.mul (local.get $rowBytes) (i32.const 3)))))
        (local.set $t0 (i8x16.shuffle ${lanes(0, 4, 1, 5)} (local.get $r0) (local.get $r1)))
        (local.set $t1 (i8x16.shuffle ${lanes(2, 6, 3, 7)} (local.get $r0) (local.get $r1)))
        (local.set $t2 (i8x16.shuffle ${lanes(0, 4, 1, 5)} (local.get $r2) (local.get $r3)))
        (local.set $t3 (i8x16.shuffle ${lanes(2, 6, 3, 7)} (local.get $r2) (local.get $r3)))
        (local.set $to (i32.add (local.get $dst)
          (i32.shl (i32.add (i32.mul (local.get $j) (local.get $R)) (local.get $i)) (i32.const 2))))
        (v128.store align=4 (local.get $to) (i8x16.shuffle ${lanes(0, 1, 4, 5)} (local.get $t0) (local.get $t2)))
        (v128.store align=4 (i32.add (local.get $to) (local.get $colBytes))
          (i8x16.shuffle ${lanes(2, 3, 6, 7)} (local.get $t0) (local.get $t2)))
        (v128.store align=4 (i32.add (local.get $to) (i32.shl (local.get $colBytes) (i32.const 1)))
          (i8x16.shuffle ${lanes(0, 1, 4, 5)} (local.get $t1) (local.get $t3)))
        (v128.store align=4 (i32.add (local.get $to) (i32.mul (local.get $colBytes) (i32.const 3)))
          (i8x16.shuffle ${lanes(2, 3, 6, 7)} (local.get $t1) (local.get $t3)))`))})
`;

/** A loop named `label`: while `exit` is false, `body`, then `step` added to `$counter` (left as it was before). */
function loopWhile(label: string, counter: string, exit: string, step: number, body: string): string {
  return `(block $${label}Done
      (loop $${label}
        (br_if $${label}Done ${exit})
        ${body}
        (local.set $${counter} (i32.add (local.get $${counter}) (i32.const ${step})))
        (br $${label})))`;
}

/** `$counter` from 0 while below `limit`, in steps of `step`: every kernel's loops but two are this shape. */
function countedLoop(label: string, counter: string, limit: string, step: number, body: string): string {
  return `(local.set $${counter} (i32.const 0))
    ${loopWhile(label, counter, `(i32.ge_u (local.get $${counter}) ${limit})`, step, body)}`;
}

/** `$k` over [0, bytes) one vector (16 bytes) at a time. */
const byteLoop = (label: string, bytes: string, body: string): string => countedLoop(label, 'k', bytes, 16, body);

/** Statements: `bytes` bytes at `to` set to zero. */
const zeroBytes = (to: string, bytes: string): string => byteLoop('zero', bytes, `(v128.store align=4 (i32.add ${to} (local.get $k)) (v128.const i32x4 0 0 0 0))`);

/** Statements: the float32 row at `to` += the row at `from`, `bytes` bytes long. */
const addRowInto = (to: string, from: string, bytes: string): string =>
  byteLoop(
    'cols',
    bytes,
    `(v128.store align=4 (i32.add ${to} (local.get $k))
          (f32x4.add (v128.load align=4 (i32.add ${to} (local.get $k))) (v128.load align=4 (i32.add ${from} (local.get $k)))))`,
  );

/**
 * dst [width] = Σ_r src [rows, width] row by row, in float32, as a plain loop that adds each row in order into
 * zeros would (the same sum bit for bit); width a multiple of 4 (the caller checks). Every bias gradient is such
 * a sum over the B·T rows of a layer's output gradient.
 */
const SUM_ROWS = `
  (func (export "sum_rows") (param $src i32) (param $dst i32) (param $rows i32) (param $width i32)
    (local $bytes i32) (local $k i32) (local $r i32)
    (local.set $bytes (i32.shl (local.get $width) (i32.const 2)))
    ${zeroBytes('(local.get $dst)', '(local.get $bytes)')}
    ${countedLoop(
      'rows',
      'r',
      '(local.get $rows)',
      1,
      `${addRowInto('(local.get $dst)', '(local.get $src)', '(local.get $bytes)')}
        (local.set $src (i32.add (local.get $src) (local.get $bytes)))`,
    )})
`;

/**
 * dst [segments, width] = for each row r of src [rows, width], added into row ids[r] (int32; rows whose id is
 * outside [0, segments) are dropped, as TensorFlow does), rows in order, float32; width a multiple of 4. The
 * gradient of a gather (an embedding lookup) is such a sum.
 */
const SEGMENT_SUM = `
  (func (export "segment_sum") (param $src i32) (param $ids i32) (param $dst i32) (param $rows i32) (param $width i32) (param $segments i32)
    (local $bytes i32) (local $k i32) (local $r i32) (local $id i32)
    (local.set $bytes (i32.shl (local.get $width) (i32.const 2)))
    ${zeroBytes('(local.get $dst)', '(i32.mul (local.get $bytes) (local.get $segments))')}
    ${countedLoop(
      'rows',
      'r',
      '(local.get $rows)',
      1,
      `(local.set $id (i32.load align=4 (i32.add (local.get $ids) (i32.shl (local.get $r) (i32.const 2)))))
        ;; unsigned compare: a negative id is a huge unsigned one, so one test drops both kinds
        (if (i32.lt_u (local.get $id) (local.get $segments))
          (then ${addRowInto('(i32.add (local.get $dst) (i32.mul (local.get $id) (local.get $bytes)))', '(local.get $src)', '(local.get $bytes)')}))
        (local.set $src (i32.add (local.get $src) (local.get $bytes)))`,
    )})
`;

/**
 * One Adam update of n values (n % 4 == 0, the caller checks), the same float32 operations in the same order as
 * the composite in ../adam-update.ts, so the results are identical bit for bit:
 *   m' = m β1 + g (1 - β1);  v' = v β2 + g² (1 - β2);  w' = w - (m' / (sqrt(v') / sqrt(bc2) + eps)) · stepSize
 */
const ADAM_SCALARS = ['beta1', 'oneMinusBeta1', 'beta2', 'oneMinusBeta2', 'sqrtBc2', 'eps', 'stepSize'] as const;
const ADAM_UPDATE = `
  (func (export "adam_update")
    (param $w i32) (param $g i32) (param $m i32) (param $v i32)
    (param $wOut i32) (param $mOut i32) (param $vOut i32) (param $n i32)
    ${ADAM_SCALARS.map((name) => `(param $${name} f32)`).join(' ')}
    (local $bytes i32) (local $k i32) (local $gv v128) (local $mv v128) (local $vv v128)
    ${ADAM_SCALARS.map((name) => `(local $s_${name} v128)`).join(' ')}
    ${ADAM_SCALARS.map((name) => `(local.set $s_${name} (f32x4.splat (local.get $${name})))`).join('\n    ')}
    (local.set $bytes (i32.shl (local.get $n) (i32.const 2)))
    (local.set $k (i32.const 0))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $k) (local.get $bytes)))
        (local.set $gv (v128.load align=4 (i32.add (local.get $g) (local.get $k))))
        (local.set $mv
          (f32x4.add
            (f32x4.mul (v128.load align=4 (i32.add (local.get $m) (local.get $k))) (local.get $s_beta1))
            (f32x4.mul (local.get $gv) (local.get $s_oneMinusBeta1))))
        (local.set $vv
          (f32x4.add
            (f32x4.mul (v128.load align=4 (i32.add (local.get $v) (local.get $k))) (local.get $s_beta2))
            (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (local.get $s_oneMinusBeta2))))
        (v128.store align=4 (i32.add (local.get $mOut) (local.get $k)) (local.get $mv))
        (v128.store align=4 (i32.add (local.get $vOut) (local.get $k)) (local.get $vv))
        (v128.store align=4 (i32.add (local.get $wOut) (local.get $k))
          (f32x4.sub
            (v128.load align=4 (i32.add (local.get $w) (local.get $k)))
            (f32x4.mul
              (f32x4.div
                (local.get $mv)
                (f32x4.add (f32x4.div (f32x4.sqrt (local.get $vv)) (local.get $s_sqrtBc2)) (local.get $s_eps)))
              (local.get $s_stepSize))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $each))))
`;

/** Row offsets of the group at byte $k of row $b in a GRU's [B, 3H] tensors ($z) and its state ($st). */
const GRU_OFFSETS = [
  `(local.set $z (i32.add (i32.mul ${get('b')} (i32.mul ${get('block')} (i32.const 3))) ${get('k')}))`,
  `(local.set $st (i32.add (i32.mul ${get('b')} ${get('block')}) ${get('k')}))`,
];

/** Loops rows $b < $B and, inside, groups of four units at byte $k < $block, around `body`. */
function overGroups(body: readonly string[]): string {
  return `(local.set $block (i32.shl (local.get $H) (i32.const 2)))
    ${countedLoop('rows', 'b', '(local.get $B)', 1, byteLoop('groups', '(local.get $block)', indent(body, 8).trimStart()))}`;
}

/** The LSTM gradient for the group of four units at byte $k of row $b. */
const LSTM_BACKWARD_GROUP = `
(local.set $s (i32.add (local.get $saved)
  (i32.add (i32.mul (local.get $b) (i32.mul (local.get $block) (i32.const 5))) (local.get $k))))
(local.set $st (i32.add (i32.mul (local.get $b) (local.get $block)) (local.get $k)))
(local.set $zo (i32.add (i32.mul (local.get $b) (i32.shl (local.get $block) (i32.const 2))) (local.get $k)))
(local.set $i (v128.load align=4 (local.get $s)))
(local.set $f (v128.load align=4 (i32.add (local.get $s) (local.get $block))))
(local.set $g (v128.load align=4 (i32.add (local.get $s) (i32.shl (local.get $block) (i32.const 1)))))
(local.set $o (v128.load align=4 (i32.add (local.get $s) (i32.mul (local.get $block) (i32.const 3)))))
(local.set $tc (v128.load align=4 (i32.add (local.get $s) (i32.shl (local.get $block) (i32.const 2)))))
(local.set $dhv (v128.load align=4 (i32.add (local.get $dh) (local.get $st))))
(if (local.get $dhExtra)
  (then (local.set $dhv
    (f32x4.add (local.get $dhv) (v128.load align=4 (i32.add (local.get $dhExtra) (local.get $st)))))))
(local.set $dcv (v128.load align=4 (i32.add (local.get $dcNew) (local.get $st))))
(if (local.get $dcExtra)
  (then (local.set $dcv
    (f32x4.add (local.get $dcv) (v128.load align=4 (i32.add (local.get $dcExtra) (local.get $st)))))))
;; dcTotal, kept in $dcv
(local.set $dcv
  (f32x4.add
    (local.get $dcv)
    (f32x4.mul
      (f32x4.mul (local.get $dhv) (local.get $o))
      (f32x4.sub (local.get $k_one) (f32x4.mul (local.get $tc) (local.get $tc))))))
(local.set $dzi
  (f32x4.mul
    (f32x4.mul (f32x4.mul (local.get $dcv) (local.get $g)) (local.get $i))
    (f32x4.sub (local.get $k_one) (local.get $i))))
(local.set $dzf
  (f32x4.mul
    (f32x4.mul
      (f32x4.mul (local.get $dcv) (v128.load align=4 (i32.add (local.get $c) (local.get $st))))
      (local.get $f))
    (f32x4.sub (local.get $k_one) (local.get $f))))
(local.set $dzg
  (f32x4.mul
    (f32x4.mul (local.get $dcv) (local.get $i))
    (f32x4.sub (local.get $k_one) (f32x4.mul (local.get $g) (local.get $g)))))
(local.set $dzo
  (f32x4.mul
    (f32x4.mul (f32x4.mul (local.get $dhv) (local.get $tc)) (local.get $o))
    (f32x4.sub (local.get $k_one) (local.get $o))))
(v128.store align=4 (i32.add (local.get $dz) (local.get $zo)) (local.get $dzi))
(v128.store align=4 (i32.add (local.get $dz) (i32.add (local.get $zo) (local.get $block))) (local.get $dzf))
(v128.store align=4 (i32.add (local.get $dz) (i32.add (local.get $zo) (i32.shl (local.get $block) (i32.const 1)))) (local.get $dzg))
(v128.store align=4 (i32.add (local.get $dz) (i32.add (local.get $zo) (i32.mul (local.get $block) (i32.const 3)))) (local.get $dzo))
(if (local.get $dzCopy)
  (then
    (v128.store align=4 (i32.add (local.get $dzCopy) (local.get $zo)) (local.get $dzi))
    (v128.store align=4 (i32.add (local.get $dzCopy) (i32.add (local.get $zo) (local.get $block))) (local.get $dzf))
    (v128.store align=4 (i32.add (local.get $dzCopy) (i32.add (local.get $zo) (i32.shl (local.get $block) (i32.const 1)))) (local.get $dzg))
    (v128.store align=4 (i32.add (local.get $dzCopy) (i32.add (local.get $zo) (i32.mul (local.get $block) (i32.const 3)))) (local.get $dzo))))
(v128.store align=4 (i32.add (local.get $dcOut) (local.get $st)) (f32x4.mul (local.get $dcv) (local.get $f)))
(if (local.get $dzT) (then
${indent(TRANSPOSED_DZ, 14)}))
`;

const BACKWARD = `
  ;; From dh' (+ dhExtra) and dc' (+ dcExtra) to dz, the gradient of both projections (also to dzCopy, and
  ;; transposed to dzT, unless null), and dc, the gradient of the previous cell state:
  ;;   dcTotal = dc' + dh' o (1 - tanh² c')
  ;;   dz_i = dcTotal g i (1 - i)   dz_f = dcTotal c f (1 - f)   dz_g = dcTotal i (1 - g²)   dz_o = dh' tanh c' o (1 - o)
  ;;   dc = dcTotal f
  (func (export "lstm_gates_backward")
    (param $saved i32) (param $c i32)
    (param $dh i32) (param $dhExtra i32) (param $dcNew i32) (param $dcExtra i32)
    (param $dz i32) (param $dzCopy i32) (param $dcOut i32)
    (param $dzT i32) (param $dzTRow i32)
    (param $B i32) (param $H i32)
    (local $block i32) (local $b i32) (local $k i32)
    (local $s i32) (local $st i32) (local $zo i32) (local $p i32) (local $gateRows i32)
    (local $i v128) (local $f v128) (local $g v128) (local $o v128) (local $tc v128)
    (local $dhv v128) (local $dcv v128) (local $dzi v128) (local $dzf v128) (local $dzg v128) (local $dzo v128)
    (local $k_one v128)
    (local.set $k_one ${CONSTANTS.one})
    (local.set $gateRows (i32.mul (local.get $H) (local.get $dzTRow)))
    ${overGroups(LSTM_BACKWARD_GROUP.split('\n'))})
`;

const GRU_FORWARD_GROUP = [
  ...GRU_OFFSETS,
  `(local.set $er (f32x4.neg (f32x4.add ${load(add(get('xProj'), get('z')))} ${load(add(get('hProj'), get('z')))})))`,
  `(local.set $ez (f32x4.neg (f32x4.add ${load(add(add(get('xProj'), get('z')), blocks(1)))} ${load(add(add(get('hProj'), get('z')), blocks(1)))})))`,
  ...expInline(['er', 'ez']),
  `(local.set $r ${sigmoidOf(get('er'))})`,
  `(local.set $u ${sigmoidOf(get('ez'))})`,
  // n = tanh(xProj_n + r ⊙ hProj_n), from e^(2a)
  `(local.set $en (f32x4.mul ${TWO} (f32x4.add ${load(add(add(get('xProj'), get('z')), blocks(2)))} (f32x4.mul ${get('r')} ${load(add(add(get('hProj'), get('z')), blocks(2)))}))))`,
  ...expInline(['en']),
  `(local.set $n ${tanhOf(get('en'))})`,
  store(add(get('gates'), get('z')), get('r')),
  store(add(add(get('gates'), get('z')), blocks(1)), get('u')),
  store(add(add(get('gates'), get('z')), blocks(2)), get('n')),
  // h' = (1 - z) n + z h
  store(
    add(get('hOut'), get('st')),
    `(f32x4.add (f32x4.mul (f32x4.sub ${ONE} ${get('u')}) ${get('n')}) (f32x4.mul ${get('u')} ${load(add(get('h'), get('st')))}))`,
  ),
];

/**
 * One GRU step (PyTorch's convention, reset after the hidden matmul), as ../gru-gates.ts: r, z = σ(xProj + hProj)
 * for their blocks, n = tanh(xProj_n + r ⊙ hProj_n), h' = (1 - z) n + z h. Writes h' to hOut and (r, z, n) to
 * gates ([B, 3H]).
 */
const GRU_FORWARD = `
  (func (export "gru_gates_forward")
    (param $xProj i32) (param $hProj i32) (param $h i32) (param $hOut i32) (param $gates i32) (param $B i32) (param $H i32)
    (local $block i32) (local $b i32) (local $k i32) (local $z i32) (local $st i32)
    (local $r v128) (local $u v128) (local $n v128)
    ${expLocals(['er', 'ez', 'en'])}
    ${CONSTANT_LOCALS}
    ${SET_CONSTANTS}
    ${overGroups(GRU_FORWARD_GROUP)})
`;

const GRU_BACKWARD_GROUP = [
  ...GRU_OFFSETS,
  `(local.set $r ${load(add(get('gates'), get('z')))})`,
  `(local.set $u ${load(add(add(get('gates'), get('z')), blocks(1)))})`,
  `(local.set $n ${load(add(add(get('gates'), get('z')), blocks(2)))})`,
  `(local.set $d ${load(add(get('dhNew'), get('st')))})`,
  // in the JavaScript kernel's order: dn = d (1 - z) (1 - n²); dz = d (h - n) z (1 - z); dr = dn hProj_n r (1 - r)
  `(local.set $dn (f32x4.mul (f32x4.mul ${get('d')} (f32x4.sub ${ONE} ${get('u')})) (f32x4.sub ${ONE} (f32x4.mul ${get('n')} ${get('n')}))))`,
  `(local.set $dz (f32x4.mul (f32x4.mul (f32x4.mul ${get('d')} (f32x4.sub ${load(add(get('h'), get('st')))} ${get('n')})) ${get('u')}) (f32x4.sub ${ONE} ${get('u')})))`,
  `(local.set $dr (f32x4.mul (f32x4.mul (f32x4.mul ${get('dn')} ${load(add(add(get('hProj'), get('z')), blocks(2)))}) ${get('r')}) (f32x4.sub ${ONE} ${get('r')})))`,
  store(add(get('dxProj'), get('z')), get('dr')),
  store(add(add(get('dxProj'), get('z')), blocks(1)), get('dz')),
  store(add(add(get('dxProj'), get('z')), blocks(2)), get('dn')),
  store(add(get('dhProj'), get('z')), get('dr')),
  store(add(add(get('dhProj'), get('z')), blocks(1)), get('dz')),
  store(add(add(get('dhProj'), get('z')), blocks(2)), `(f32x4.mul ${get('dn')} ${get('r')})`),
  store(add(get('dh'), get('st')), `(f32x4.mul ${get('d')} ${get('u')})`),
];

/** The GRU step's gradient, as ../gru-gates.ts: from dh' to dxProj, dhProj and dh. */
const GRU_BACKWARD = `
  (func (export "gru_gates_backward")
    (param $gates i32) (param $hProj i32) (param $h i32) (param $dhNew i32)
    (param $dxProj i32) (param $dhProj i32) (param $dh i32) (param $B i32) (param $H i32)
    (local $block i32) (local $b i32) (local $k i32) (local $z i32) (local $st i32)
    (local $r v128) (local $u v128) (local $n v128) (local $d v128) (local $dn v128) (local $dz v128) (local $dr v128)
    ${CONSTANT_LOCALS}
    ${SET_CONSTANTS}
    ${overGroups(GRU_BACKWARD_GROUP)})
`;

/** The module's text with `memoryImport` as its memory import (plain or shared, to match tfjs's heap). */
export function simdKernelsWat(memoryImport: string): string {
  return `(module\n  ${memoryImport}\n${FORWARD}${BACKWARD}${GRU_FORWARD}${GRU_BACKWARD}${TRANSPOSE}${SUM_ROWS}${SEGMENT_SUM}${ADAM_UPDATE})\n`;
}
