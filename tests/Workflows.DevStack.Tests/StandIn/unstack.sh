#!/usr/bin/env bash
# Stand-in for devstack's unstack.sh (tests only): stops "services" and leaves a marker.
set -o errexit -o nounset
TOP_DIR=$(cd "$(dirname "$0")" && pwd)
echo "Stopping services (stand-in)"
rm -f "$TOP_DIR/openrc"
echo "$(date -u +%FT%TZ)" >>"$TOP_DIR/.standin-unstacked"
echo "unstack.sh done"
