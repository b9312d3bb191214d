#!/usr/bin/env bash
# Starts a real OpenID Connect provider (oidc-provider from npm, see oidc/provider.mjs) on a free
# loopback port under $WF_TEST_TMP/oidc, with a test client and the users alice (platform-admins),
# bob (developers), carol (no group) and erin (ID tokens of one second), all with the password in WORKFLOWS_TEST_OIDC_PASSWORD.
# Appends WORKFLOWS_TEST_OIDC_* to $WF_TEST_ENV. "stop" kills it and removes the folder.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir="$WF_TEST_TMP/oidc"
case "${1:-start}" in
start)
  # Node.js and npm: the machine's own when it has them (NodeSource's nodejs bundles npm and conflicts with
  # Debian's npm package, so nodejs/npm are not in a .packages file); Debian's otherwise (Node 18 suffices).
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
    echo "oidc: installing nodejs npm"
    sudo_ env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  mkdir -p "$dir"
  cp "$here/oidc/package.json" "$here/oidc/package-lock.json" "$here/oidc/provider.mjs" "$dir/"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >"$dir/npm.log" 2>&1) || { cat "$dir/npm.log"; exit 1; }
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  secret=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
  password=$(head -c 12 /dev/urandom | base64 | tr -d '/+=')
  (cd "$dir" && OIDC_PORT=$port OIDC_CLIENT_ID=workflows-test OIDC_CLIENT_SECRET=$secret OIDC_PASSWORD=$password OIDC_PID_FILE="$dir/provider.pid" \
    setsid node provider.mjs </dev/null >"$dir/provider.log" 2>&1 &)
  for _ in $(seq 1 100); do
    if python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/.well-known/openid-configuration', timeout=1)" 2>/dev/null; then break; fi
    if [ -f "$dir/provider.pid" ] && ! kill -0 "$(cat "$dir/provider.pid")" 2>/dev/null; then cat "$dir/provider.log"; exit 1; fi
    sleep 0.1
  done
  if ! python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/.well-known/openid-configuration', timeout=2)"; then
    echo "oidc: the provider did not answer on 127.0.0.1:$port"; cat "$dir/provider.log"; exit 1
  fi
  {
    echo "WORKFLOWS_TEST_OIDC_AUTHORITY=http://127.0.0.1:$port"
    echo "WORKFLOWS_TEST_OIDC_CLIENT_ID=workflows-test"
    echo "WORKFLOWS_TEST_OIDC_CLIENT_SECRET=$secret"
    echo "WORKFLOWS_TEST_OIDC_PASSWORD=$password"
  } >>"$WF_TEST_ENV"
  echo "oidc: started on 127.0.0.1:$port ($dir)"
  ;;
stop)
  if [ -f "$dir/provider.pid" ]; then
    kill "$(cat "$dir/provider.pid")" 2>/dev/null || true
  fi
  rm -rf "$dir"
  ;;
esac
