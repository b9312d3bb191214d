#!/usr/bin/env bash
# Starts the real OpenStack Zed peer (Debian packages: Keystone, Glance, Placement, Nova with the fake
# driver, Neutron, Heat, Magnum; every socket on 127.0.0.1) from ../shared/openstack-peer beside the
# repository clone, and appends what tests/Workflows.OpenStack.Acceptance.Tests reads to $WF_TEST_ENV:
#   OS_CLIENT_CONFIG_FILE=/etc/openstack/clouds.yaml  WORKFLOWS_ACCEPTANCE_CLOUD=demo  WORKFLOWS_ACCEPTANCE_ADMIN_CLOUD=admin
# Without ../shared/openstack-peer/setup.sh it only warns and appends nothing, so the acceptance suite
# reports plainly that it did not run. setup.sh takes ~3 min from scratch (~80 s with packages
# installed), needs root (sudo is used otherwise) and ~3 GiB of RAM; its logs are in /tmp/osp/logs and
# a copy of its output in $WF_TEST_TMP/openstack-peer/setup.log. "stop" runs its stop.sh (~25 s).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
peer="$here/../../../shared/openstack-peer"
dir="$WF_TEST_TMP/openstack-peer"
sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
case "${1:-start}" in
start)
  if [ ! -f "$peer/setup.sh" ]; then
    echo "openstack-peer: WARNING: $peer/setup.sh not found (no ../shared/openstack-peer beside the repository);" \
      "the OpenStack acceptance suite will NOT run against a real cloud." >&2
    exit 0
  fi
  mkdir -p "$dir"
  started=$(date +%s)
  if ! sudo_ bash "$peer/setup.sh" >"$dir/setup.log" 2>&1; then
    echo "openstack-peer: setup.sh failed after $(( $(date +%s) - started )) s; last lines of $dir/setup.log:" >&2
    tail -n 30 "$dir/setup.log" >&2
    exit 1
  fi
  config=$(sed -n 's/^READY \([^ ]*\).*/\1/p' "$dir/setup.log" | tail -n 1)
  config=${config:-/etc/openstack/clouds.yaml}
  {
    echo "OS_CLIENT_CONFIG_FILE=$config"
    echo "WORKFLOWS_ACCEPTANCE_CLOUD=demo"
    echo "WORKFLOWS_ACCEPTANCE_ADMIN_CLOUD=admin"
  } >>"$WF_TEST_ENV"
  echo "openstack-peer: ready in $(( $(date +%s) - started )) s ($config)"
  ;;
stop)
  if [ -f "$peer/stop.sh" ] && [ -d "$dir" ]; then
    sudo_ bash "$peer/stop.sh" >>"$dir/stop.log" 2>&1 || echo "openstack-peer: stop.sh failed; see $dir/stop.log" >&2
  fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start|stop" >&2
  exit 2
  ;;
esac
