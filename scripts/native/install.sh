#!/usr/bin/env bash
# npm run native:install: the native TensorFlow backend (@tensorflow/tfjs-node) on a machine where its own install
# script cannot download libtensorflow. See docs/native-tensorflow.md.
#
# 1. finds libtensorflow: a cached or given tensorflow-cpu wheel, an installed tensorflow Python package, or
#    `pip download` (wheel only, no Python install) into the cache;
# 2. unpacks the C library and headers from it into the cache;
# 3. lays down @tensorflow/tfjs-node and its dependencies exactly as package-lock.json records them
#    (scripts/native/lock-install.ts: npm pack + sha512 check, no install scripts, no lock changes);
# 4. builds tfjs-node's N-API addon against that library with node-gyp (the copy bundled with npm), or reuses
#    the addon it built before;
# 5. checks that `tensorflow` is the active backend and TensorFlow's fused LSTM kernel runs.
#
# Idempotent: a second run that finds everything working says so and stops. On failure it removes what it put
# into node_modules, so the wasm/cpu backends keep working, and exits non-zero with the reason.
#
# Options: --force (rebuild the addon even if one is cached), --uninstall (remove what this script added to
# node_modules; the cache stays), --verify (only run step 5).
# Environment: BPTT_NATIVE_CACHE (default <repo>/native), BPTT_TF_VERSION (default 2.21.0), BPTT_TF_WHEEL (a
# tensorflow-cpu wheel to use), BPTT_PIP_TIMEOUT / BPTT_PIP_RETRIES (pip's per-try timeout and retries, default
# 20 s and 1, so an unreachable index fails in seconds instead of pip's minutes).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${BPTT_NATIVE_CACHE:-$REPO/native}
TF_VERSION=${BPTT_TF_VERSION:-2.21.0}
TFJS_NODE_DIR=$REPO/node_modules/@tensorflow/tfjs-node
TFJS_NODE_LOCK_PATH=node_modules/@tensorflow/tfjs-node
TF_DIR=$CACHE/tensorflow-$TF_VERSION
NODE_TS=(node --conditions=@bptt/source --import tsx)

log() { printf 'native:install: %s\n' "$*"; }
die() {
  printf 'native:install: FAILED: %s\n' "$*" >&2
  exit 1
}
step_started() {
  STEP_T0=$(date +%s)
  log "$1"
}
step_done() { log "  done in $(($(date +%s) - STEP_T0)) s${1:+: $1}"; }

mode=install
for arg in "$@"; do
  case $arg in
  --force) mode=force ;;
  --uninstall) mode=uninstall ;;
  --verify) mode=verify ;;
  *) die "unknown option '$arg' (expected --force, --uninstall or --verify)" ;;
  esac
done

cd "$REPO"
mkdir -p "$CACHE"

verify() { "${NODE_TS[@]}" scripts/native/verify.ts; }

# Everything this script places under node_modules, so that a failure or --uninstall can take it away again.
remove_from_node_modules() {
  if [[ -d $TFJS_NODE_DIR ]]; then rm -rf "$TFJS_NODE_DIR/deps" "$TFJS_NODE_DIR/lib" "$TFJS_NODE_DIR/build"; fi
  "${NODE_TS[@]}" scripts/native/lock-install.ts rollback --cache "$CACHE"
}

if [[ $mode == verify ]]; then
  verify
  exit
fi
if [[ $mode == uninstall ]]; then
  remove_from_node_modules
  rm -rf "$REPO/packages/models/native/page-release/build" "$REPO/packages/models/native/step-kernels/build"
  log "removed the native backend from node_modules (the cache in $CACHE stays; delete it to free disk)"
  exit 0
fi

# One install at a time: CI and a developer sharing a checkout must not interleave two builds.
exec 9>"$CACHE/.install.lock"
flock -n 9 || die "another native:install is running (lock $CACHE/.install.lock)"

# The project's addons: page-release gives back the ~130 MiB that loading libtensorflow_cc leaves resident;
# step-kernels adds fused LSTM and GRU step and sequence ops and a one-pass Adam update, registered at run time (no
# TensorFlow header or library at build time).
# Optional: each reports and carries on when it cannot build.
bash "$REPO/scripts/native/addons.sh"

if [[ $mode == install ]] && verify 2>/dev/null; then
  log "already installed; nothing to do (--force rebuilds)"
  exit 0
fi

[[ $(uname -s) == Linux && $(uname -m) == x86_64 ]] ||
  die "this path builds from the Linux x86-64 tensorflow-cpu wheel; on $(uname -s) $(uname -m) use plain npm ci"
for tool in node npm g++ make tar; do
  command -v "$tool" >/dev/null || die "'$tool' is not on PATH (needed to build the addon)"
done

TFJS_NODE_VERSION=$(node -p "require('./package-lock.json').packages['$TFJS_NODE_LOCK_PATH']?.version ?? ''")
[[ -n $TFJS_NODE_VERSION ]] || die "package-lock.json does not list @tensorflow/tfjs-node (it is an optionalDependency of @bptt/models)"

INSTALL_T0=$(date +%s)
installed=0
on_exit() {
  local status=$?
  rm -rf "$CACHE/staging" "$CACHE/tf-staging"
  if [[ $status -ne 0 && $installed -eq 0 ]]; then
    log "undoing the partial install so the wasm/cpu backends keep working"
    remove_from_node_modules >/dev/null 2>&1 || true
  fi
}
trap on_exit EXIT

# --- 1. find libtensorflow ---------------------------------------------------------------------------------
find_wheel() {
  if [[ -n ${BPTT_TF_WHEEL:-} ]]; then
    [[ -f $BPTT_TF_WHEEL ]] || die "BPTT_TF_WHEEL=$BPTT_TF_WHEEL is not a file"
    echo "$BPTT_TF_WHEEL"
    return
  fi
  compgen -G "$CACHE/wheels/tensorflow_cpu-$TF_VERSION-*.whl" | head -n 1 || true
}

# A tensorflow Python package of the right version already carries the library and headers.
installed_python_tf() {
  command -v python3 >/dev/null || return 0
  python3 - "$TF_VERSION" <<'EOF' 2>/dev/null || true
import importlib.metadata as md, pathlib, sys
for name in ('tensorflow-cpu', 'tensorflow'):
    try:
        dist = md.distribution(name)
    except md.PackageNotFoundError:
        continue
    if dist.version != sys.argv[1]:
        continue
    root = pathlib.Path(dist.locate_file('tensorflow'))
    if (root / 'libtensorflow_cc.so.2').exists() and (root / 'include' / 'tensorflow' / 'c' / 'c_api.h').exists():
        print(root)
        break
EOF
}

if [[ ! -f $TF_DIR/lib/libtensorflow_cc.so.2 ]]; then
  wheel=$(find_wheel)
  python_tf=$(installed_python_tf)
  if [[ -z $wheel && -z $python_tf ]]; then
    command -v python3 >/dev/null || die "python3 is needed to fetch the tensorflow-cpu wheel (or set BPTT_TF_WHEEL)"
    step_started "downloading the tensorflow-cpu $TF_VERSION wheel with pip (no Python install)"
    # The wheel is only a carrier for libtensorflow, so ask for the Linux x86-64 CPython build whatever this
    # machine's Python is.
    python3 -m pip download --no-deps --only-binary=:all: --dest "$CACHE/wheels" \
      --implementation cp --python-version "${BPTT_TF_PYTHON:-3.11}" \
      --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
      --retries "${BPTT_PIP_RETRIES:-1}" --timeout "${BPTT_PIP_TIMEOUT:-20}" --progress-bar off \
      "tensorflow-cpu==$TF_VERSION" || die "pip could not download tensorflow-cpu==$TF_VERSION (see pip's message above)"
    wheel=$(find_wheel)
    [[ -n $wheel ]] || die "pip reported success but no tensorflow_cpu-$TF_VERSION wheel is in $CACHE/wheels"
    step_done "$(basename "$wheel")"
  fi

  step_started "unpacking libtensorflow $TF_VERSION into $TF_DIR"
  rm -rf "$CACHE/tf-staging"
  mkdir -p "$CACHE/tf-staging/lib" "$CACHE/tf-staging/include"
  # Only the C API: the two shared libraries and the headers c_api.h reaches (1.5 MB of the wheel's 290 MB).
  headers=(tensorflow/c tensorflow/core/platform tsl/platform xla/tsl/c)
  if [[ -n $python_tf && -z $wheel ]]; then
    log "  from the installed Python package at $python_tf"
    cp "$python_tf/libtensorflow_cc.so.2" "$python_tf/libtensorflow_framework.so.2" "$CACHE/tf-staging/lib/"
    for dir in "${headers[@]}"; do
      mkdir -p "$CACHE/tf-staging/include/$dir"
      cp -r "$python_tf/include/$dir/." "$CACHE/tf-staging/include/$dir/"
    done
  else
    python3 - "$wheel" "$CACHE/tf-staging" "${headers[@]}" <<'EOF' || die "could not unpack $wheel"
import pathlib, shutil, sys, zipfile
wheel, out, headers = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3:]
libs = {'tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2'}
with zipfile.ZipFile(wheel) as z:
    names = set(z.namelist())
    missing = libs - names
    if missing:
        sys.exit(f'{wheel}: no {", ".join(sorted(missing))} in the wheel')
    for name in names:
        if name in libs:
            target = out / 'lib' / pathlib.Path(name).name
        elif any(name.startswith(f'tensorflow/include/{h}/') for h in headers) and not name.endswith('/'):
            target = out / 'include' / name[len('tensorflow/include/'):]
        else:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with z.open(name) as src, open(target, 'wb') as dst:
            shutil.copyfileobj(src, dst)
EOF
  fi
  [[ -f $CACHE/tf-staging/include/tensorflow/c/c_api.h ]] || die "the TensorFlow C headers are missing from the source"
  rm -rf "$TF_DIR"
  mv "$CACHE/tf-staging" "$TF_DIR"
  step_done "$(du -sh "$TF_DIR" | cut -f1)"
fi

# --- 2. @tensorflow/tfjs-node and its dependencies, as the lock records them -------------------------------
step_started "placing @tensorflow/tfjs-node@$TFJS_NODE_VERSION and its locked dependencies in node_modules"
"${NODE_TS[@]}" scripts/native/lock-install.ts add "$TFJS_NODE_LOCK_PATH" --cache "$CACHE"
step_done

# --- 3. the N-API addon ------------------------------------------------------------------------------------
# Where tfjs-node will look for it (node-pre-gyp picks the newest N-API version both sides support).
BINDING_PATH=$(node -e "
  const dir = process.argv[1];
  const preGyp = require(require.resolve('@mapbox/node-pre-gyp', { paths: [dir] }));
  process.stdout.write(preGyp.find(dir + '/package.json'));" "$TFJS_NODE_DIR")
[[ $BINDING_PATH == */napi-v*/tfjs_binding.node ]] || die "unexpected addon path from node-pre-gyp: '$BINDING_PATH'"
NAPI_VERSION=${BINDING_PATH##*/napi-v}
NAPI_VERSION=${NAPI_VERSION%%/*}
ADDON_CACHE=$CACHE/addon/tfjs-node-$TFJS_NODE_VERSION-tensorflow-$TF_VERSION-napi-v$NAPI_VERSION-linux-x64

stage_libs() { # <dir>: the library folder binding.gyp links against and the addon's rpath ($ORIGIN/../../deps/lib) finds
  mkdir -p "$1"
  for lib in libtensorflow_cc.so.2 libtensorflow_framework.so.2; do
    # Hard links: the 850 MB of libraries exist once on disk, and survive deleting either copy.
    ln -f "$TF_DIR/lib/$lib" "$1/$lib" 2>/dev/null || cp -f "$TF_DIR/lib/$lib" "$1/$lib"
  done
  # binding.gyp links -ltensorflow; libtensorflow_cc.so.2 is the library that exports the C API (TF_*, TFE_*).
  ln -sf libtensorflow_cc.so.2 "$1/libtensorflow.so"
  ln -sf libtensorflow_framework.so.2 "$1/libtensorflow_framework.so"
}

if [[ $mode == force || ! -f $ADDON_CACHE/tfjs_binding.node ]]; then
  step_started "building tfjs-node's addon (N-API v$NAPI_VERSION) against libtensorflow $TF_VERSION"
  NODE_GYP=$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js
  [[ -f $NODE_GYP ]] || NODE_GYP=$(command -v node-gyp || true)
  [[ -n $NODE_GYP ]] || die "node-gyp not found (it ships with npm under $(npm root -g)/npm/node_modules/node-gyp)"
  build=$CACHE/build/tfjs-node-$TFJS_NODE_VERSION
  rm -rf "$build"
  mkdir -p "$build/deps"
  cp -r "$TFJS_NODE_DIR/binding" "$TFJS_NODE_DIR/binding.gyp" "$TFJS_NODE_DIR/package.json" "$build/"
  ln -s "$TF_DIR/include" "$build/deps/include"
  stage_libs "$build/deps/lib"
  gyp_args=(rebuild --jobs "$(nproc)" --napi_build_version="$NAPI_VERSION" --module_name=tfjs_binding
    --module_path="$build/out")
  # Use the headers of the running node when they are installed; otherwise node-gyp downloads them.
  node_prefix=$(node -p "require('path').resolve(process.execPath, '../..')")
  [[ -f $node_prefix/include/node/node_api.h ]] && gyp_args+=(--nodedir="$node_prefix")
  (cd "$build" && node "$NODE_GYP" "${gyp_args[@]}" >"$build/node-gyp.log" 2>&1) ||
    die "node-gyp failed; the last lines of $build/node-gyp.log:
$(tail -n 20 "$build/node-gyp.log")"
  mkdir -p "$ADDON_CACHE"
  cp "$build/out/tfjs_binding.node" "$ADDON_CACHE/tfjs_binding.node"
  rm -rf "$build"
  step_done "$ADDON_CACHE/tfjs_binding.node"
else
  log "reusing the addon built before: $ADDON_CACHE/tfjs_binding.node"
fi

step_started "installing the addon and libtensorflow into $TFJS_NODE_DIR"
stage_libs "$TFJS_NODE_DIR/deps/lib"
mkdir -p "$(dirname "$BINDING_PATH")"
cp "$ADDON_CACHE/tfjs_binding.node" "$BINDING_PATH"
step_done

# --- 4. check ------------------------------------------------------------------------------------------------
verify || die "the addon is in place but does not work (message above)"
installed=1
log "installed in $(($(date +%s) - INSTALL_T0)) s. @tensorflow/tfjs-node now loads with the 'tensorflow' backend."
log "after 'npm ci' (which deletes node_modules) run 'npm run native:install' again; it reuses $CACHE and takes seconds."
