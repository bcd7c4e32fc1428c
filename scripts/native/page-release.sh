#!/usr/bin/env bash
# npm run native:page-release: builds packages/models/native/page-release, the N-API addon that gives back the
# pages libtensorflow's loading leaves resident (docs/native-tensorflow.md, "Memory"). `native:install` runs it;
# on a machine where plain `npm ci` installed tfjs-node, run it by hand (or let the Dockerfile do it).
#
# Optional by design: without node-gyp, a C compiler or make it says so and exits 0, and everything works as
# before. Idempotent: an addon newer than its sources is kept.
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DIR=$REPO/packages/models/native/page-release
ADDON=$DIR/build/Release/page_release.node
log() { printf 'native:page-release: %s\n' "$*"; }

if [[ -f $ADDON && $ADDON -nt $DIR/page_release.c && $ADDON -nt $DIR/binding.gyp ]]; then
  log "up to date: ${ADDON#"$REPO"/}"
  exit 0
fi
node_gyp=$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js
[[ -f $node_gyp ]] || node_gyp=$(command -v node-gyp || true)
if [[ -z $node_gyp ]] || ! command -v cc >/dev/null || ! command -v make >/dev/null; then
  log "not built (needs node-gyp, cc and make); libtensorflow's load-time pages stay resident"
  exit 0
fi
args=(rebuild)
# Use the running node's headers when they are installed; otherwise node-gyp downloads them.
node_prefix=$(node -p "require('path').resolve(process.execPath, '../..')")
[[ -f $node_prefix/include/node/node_api.h ]] && args+=(--nodedir="$node_prefix")
log_file=$(mktemp)
if (cd "$DIR" && node "$node_gyp" "${args[@]}" >"$log_file" 2>&1); then
  log "built ${ADDON#"$REPO"/}"
else
  log "not built (node-gyp failed; its last lines follow); continuing without it"
  tail -n 15 "$log_file" >&2
fi
rm -f "$log_file"
exit 0
