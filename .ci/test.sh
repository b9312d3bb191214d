#!/usr/bin/env bash
# The test command of README.md: installs what the suite needs (Debian packages), starts the
# services on loopback in a temp folder, builds, runs every test project, and cleans up.
# Usage: bash .ci/test.sh [extra dotnet test args, e.g. --filter Category!=Slow]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# 1. Debian packages the suites use (only what is missing is installed).
packages=(postgresql git python3 curl ca-certificates)
for f in .ci/services/*.packages; do [ -f "$f" ] && read -r -a more <"$f" && packages+=("${more[@]}"); done
missing=()
for p in "${packages[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "test: installing ${missing[*]}"
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. Services, each in its own folder under one temp root, removed at the end.
export WF_TEST_TMP=$(mktemp -d /tmp/wf-test.XXXXXX)
chmod 755 "$WF_TEST_TMP"
export WF_TEST_ENV="$WF_TEST_TMP/env"
: >"$WF_TEST_ENV"
services=()
cleanup() {
  set +e
  for ((i=${#services[@]}-1; i>=0; i--)); do bash ".ci/services/${services[$i]}.sh" stop; done
  rm -rf "$WF_TEST_TMP"
}
trap cleanup EXIT
for s in postgres $(ls .ci/services/*.sh | xargs -n1 basename | sed 's/\.sh$//' | grep -v '^postgres$' | sort); do
  services+=("$s")   # before start, so a service that fails half-way is still stopped
  bash ".ci/services/$s.sh" start
done
set -a; . "$WF_TEST_ENV"; set +a

# 3. Build once, then run each test project; results as TRX under test-results/.
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build Workflows.sln -c Release -nologo -v q
rm -rf test-results; mkdir -p test-results
status=0
for proj in tests/*/*.Tests.csproj; do
  name=$(basename "$proj" .csproj)
  echo "test: $name"
  dotnet test "$proj" -c Release --no-build --nologo -v q --logger "trx;LogFileName=$name.trx" \
    --results-directory test-results "$@" || status=1
done

# 4. One closing line over all projects: "N passed, N failed, N skipped".
python3 - <<'PY'
import glob, xml.etree.ElementTree as ET
p = f = s = 0
for path in glob.glob("test-results/*.trx"):
    c = ET.parse(path).getroot().find(".//{*}ResultSummary/{*}Counters")
    if c is None: continue
    p += int(c.get("passed", 0)); f += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0))
    s += int(c.get("notExecuted", 0))
    # Each failed test with the first lines of its message and stack, so a CI log says why.
    for r in ET.parse(path).getroot().iter("{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}UnitTestResult"):
        if r.get("outcome") not in ("Failed", "Error", "Timeout"): continue
        msg = r.find(".//{*}Message"); st = r.find(".//{*}StackTrace")
        print(f"FAILED {r.get('testName')} ({r.get('duration')})")
        for line in ((msg.text if msg is not None else "") or "").splitlines()[:40]: print("    " + line)
        for line in ((st.text if st is not None else "") or "").splitlines()[:15]: print("    " + line)
print(f"{p} passed, {f} failed, {s} skipped")
PY
exit $status
