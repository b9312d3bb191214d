#!/usr/bin/env bash
# Stand-in for devstack's clean.sh (tests only): leaves a marker.
set -o errexit -o nounset
TOP_DIR=$(cd "$(dirname "$0")" && pwd)
echo "Cleaning up (stand-in)"
echo "$(date -u +%FT%TZ)" >>"$TOP_DIR/.standin-cleaned"
