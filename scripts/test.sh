#!/usr/bin/env bash
# The README's test command (`npm test`): a strict typecheck of the whole workspace, then every test group.
# Groups (see vitest.config.ts): unit (fast), slow (learning tests), nx (drives the real nx on the smoke pipeline).
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false

echo "== typecheck (tsc, strict, whole workspace)"
npx tsc -p tsconfig.json

echo "== tests (vitest: unit, slow, nx)"
npx vitest run "$@"

# The model and training suites run on cpu by default; rerun them on wasm, the backend most users without native
# TensorFlow train on (its kernel fixes and fused kernels must stay correct there too).
# (Skipped when arguments select a subset: `npm test -- packages/metrics`.)
if [[ $# -eq 0 ]]; then
  echo "== model and train suites on the wasm backend"
  BPTT_BACKEND=wasm npx vitest run --project unit packages/models packages/train
fi

# CI also runs the model and training suites on native TensorFlow (built from the tensorflow-cpu wheel where
# tfjs-node's own download is blocked). If that install cannot be done here, it says why and the wasm/cpu run stands.
if [[ "${CI:-}" == "true" ]]; then
  echo "== model and train suites on the native tensorflow backend"
  bash scripts/native/ci.sh
fi
