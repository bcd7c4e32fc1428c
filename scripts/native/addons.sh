#!/usr/bin/env bash
# npm run native:addons: builds the project's own N-API addons for native TensorFlow, each in
# packages/models/native/<name>:
#   page-release  gives back the pages libtensorflow's loading leaves resident (docs/native-tensorflow.md, "Memory");
#   step-kernels  registers fused LSTM and GRU time-step ops (BpttLstmCell, BpttLstmGates, BpttGruGates and their
#                 gradients), whole-sequence LSTM and GRU ops (BpttLstmSequence, BpttGruSequence, their gradients) and
#                 a one-pass Adam update (BpttAdamUpdate) into the libtensorflow that tfjs-node loads
#                 (docs/native-tensorflow.md, "Fused step kernels", "Whole-sequence kernels", "Adam in one kernel").
# `native:install` runs it; on a machine where plain `npm ci` installed tfjs-node, run it by hand (or let the
# Dockerfile do it).
#
# Optional by design: without node-gyp, a C compiler or make it says so and exits 0, and everything works as
# before (each addon's absence is handled and reported where it is used). Idempotent: an addon newer than its
# sources is kept.
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
log() { printf 'native:addons: %s\n' "$*"; }

node_gyp=$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js
[[ -f $node_gyp ]] || node_gyp=$(command -v node-gyp || true)
args=(rebuild)
# Use the running node's headers when they are installed; otherwise node-gyp downloads them.
node_prefix=$(node -p "require('path').resolve(process.execPath, '../..')")
[[ -f $node_prefix/include/node/node_api.h ]] && args+=(--nodedir="$node_prefix")

build() {
  local name=$1 target=$2
  local dir=$REPO/packages/models/native/$name
  local addon=$dir/build/Release/$target.node
  if [[ -f $addon ]] && ! find "$dir" -maxdepth 1 -newer "$addon" \( -name "*.c" -o -name "*.h" -o -name binding.gyp \) | grep -q .; then
    log "up to date: ${addon#"$REPO"/}"
    return
  fi
  if [[ -z $node_gyp ]] || ! command -v cc >/dev/null || ! command -v make >/dev/null; then
    log "$name not built (needs node-gyp, cc and make); working without it"
    return
  fi
  local log_file
  log_file=$(mktemp)
  if (cd "$dir" && node "$node_gyp" "${args[@]}" >"$log_file" 2>&1); then
    log "built ${addon#"$REPO"/}"
  else
    log "$name not built (node-gyp failed; its last lines follow); continuing without it"
    tail -n 15 "$log_file" >&2
  fi
  rm -f "$log_file"
}

build page-release page_release
build step-kernels step_kernels
exit 0
