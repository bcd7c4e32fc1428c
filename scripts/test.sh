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
