#!/usr/bin/env bash
# Installs axe-core (npm, pinned in axe/package-lock.json) under $WF_TEST_TMP/axe for the browser tests'
# accessibility pass, which inject its axe.min.js into the portal's pages. No process runs.
# Appends WORKFLOWS_TEST_AXE (the path of axe.min.js) to $WF_TEST_ENV. "stop" removes the folder.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir="$WF_TEST_TMP/axe"
case "${1:-start}" in
start)
  if ! command -v npm >/dev/null; then
    sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
    echo "axe: installing nodejs npm"
    sudo_ env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  mkdir -p "$dir"
  cp "$here/axe/package.json" "$here/axe/package-lock.json" "$dir/"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >"$dir/npm.log" 2>&1) || { cat "$dir/npm.log"; exit 1; }
  test -f "$dir/node_modules/axe-core/axe.min.js" || { echo "axe: $dir/node_modules/axe-core/axe.min.js is missing"; exit 1; }
  echo "WORKFLOWS_TEST_AXE=$dir/node_modules/axe-core/axe.min.js" >>"$WF_TEST_ENV"
  echo "axe: axe-core $(cd "$dir" && node -p 'require("axe-core/package.json").version') in $dir"
  ;;
stop)
  rm -rf "$dir"
  ;;
esac
