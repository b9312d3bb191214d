#!/usr/bin/env bash
# Stand-in for devstack's stack.sh, used only by Workflows.DevStack.Tests (the test fixture commits
# this folder into a local git repository that the action clones like the real devstack).
# It behaves like the real one where devstack.install relies on it: refuses root, needs local.conf
# and reads its [[local|localrc]] section, uses passwordless sudo, writes its log over time, prints
# the admin password at the end (as devstack does), writes openrc and exits 0; or, when local.conf
# sets STANDIN_FAIL=1, dies the way devstack's die() does.
# Test-only knobs in local.conf: STANDIN_GATE_DIR (each step waits for the file $STANDIN_GATE_DIR/<n>),
# STANDIN_STEP_SECONDS (pause between steps without gates), STANDIN_FAIL.
set -o errexit -o nounset -o pipefail
TOP_DIR=$(cd "$(dirname "$0")" && pwd)

# The counter file: one line per start, so a test can prove stack.sh ran exactly once.
echo "$(date -u +%FT%TZ) pid=$$" >>"$TOP_DIR/.standin-runs"

echo "+ ./stack.sh:main:108  [[ $EUID -eq 0 ]]"
if [[ $EUID -eq 0 ]]; then
    echo "[ERROR] You are running this script as root. Cut it out."
    exit 1
fi

if [[ ! -f $TOP_DIR/local.conf ]]; then
    echo "[ERROR] $TOP_DIR/stack.sh:200 no local.conf: the real stack.sh would prompt for passwords here"
    exit 1
fi

# devstack merges the [[local|localrc]] section into .localrc.auto and sources it.
awk '/^\[\[local\|localrc\]\]/{f=1; next} /^\[\[/{f=0} f' "$TOP_DIR/local.conf" >"$TOP_DIR/.localrc.auto"
PLUGINS=()
enable_plugin() { PLUGINS+=("$1"); echo "Enabling plugin $1 from $2 ($3)"; }
# shellcheck disable=SC1091
source "$TOP_DIR/.localrc.auto"
HOST_IP=${HOST_IP:-127.0.0.1}
REGION_NAME=${REGION_NAME:-RegionOne}
DEST=${DEST:-/opt/stack}
STANDIN_GATE_DIR=${STANDIN_GATE_DIR:-}
STANDIN_STEP_SECONDS=${STANDIN_STEP_SECONDS:-0.2}
STANDIN_FAIL=${STANDIN_FAIL:-}

sudo -n true || { echo "[ERROR] $TOP_DIR/stack.sh:230 the stack user has no passwordless sudo"; exit 1; }

die() {
    echo "+functions-common:die:264  local exitcode=1"
    echo "[Call Trace]"
    echo "./stack.sh:1131:start_keystone"
    echo "$TOP_DIR/lib/keystone:$1:die"
    echo "[ERROR] $TOP_DIR/lib/keystone:$1 $2"
    echo "+./stack.sh:exit_trap:551  local r=1"
    echo "stack.sh failed: full log in $DEST/logs/stack.sh.log"
    echo "Error on exit"
    exit 1
}

step() {
    local n=$1 text=$2
    if [[ -n $STANDIN_GATE_DIR ]]; then
        local waited=0
        until [[ -e $STANDIN_GATE_DIR/$n ]]; do
            sleep 0.1
            waited=$((waited + 1))
            if ((waited > 1200)); then echo "[ERROR] stand-in: gate $n never opened"; exit 1; fi
        done
    else
        sleep "$STANDIN_STEP_SECONDS"
    fi
    echo "+ ./stack.sh:main:$((1000 + n * 10))  $text"
    echo "$(date -u +%F\ %T).000 | step $n: $text"
}

echo "stand-in devstack: HOST_IP=$HOST_IP REGION_NAME=$REGION_NAME plugins=${PLUGINS[*]:-none}"
step 1 "install_infra"
step 2 "configure_keystone"
# Like devstack's xtrace, this line carries the password; the action must redact it.
echo "+ lib/keystone:bootstrap_keystone:580  keystone-manage bootstrap --bootstrap-password $ADMIN_PASSWORD --bootstrap-region-id $REGION_NAME"
if [[ -n $STANDIN_FAIL ]]; then
    die 590 "keystone did not start"
fi
step 3 "start_nova"
step 4 "start_neutron"
for p in "${PLUGINS[@]}"; do echo "Running plugin $p stack install"; done

cat >"$TOP_DIR/openrc" <<RC
# Written by the stand-in stack.sh: source it as 'openrc [user] [project]'.
export OS_AUTH_URL=http://$HOST_IP/identity
export OS_REGION_NAME=$REGION_NAME
export OS_USERNAME=\${1:-admin}
export OS_PROJECT_NAME=\${2:-admin}
export OS_PASSWORD=$ADMIN_PASSWORD
export OS_USER_DOMAIN_ID=default
export OS_PROJECT_DOMAIN_ID=default
RC

echo ""
echo "This is your host IP address: $HOST_IP"
echo "Keystone is serving at http://$HOST_IP/identity/"
echo "The default users are: admin and demo"
echo "The password: $ADMIN_PASSWORD"
echo ""
echo "DevStack Version: stand-in"
echo "stack.sh completed in 1 seconds."
