#!/usr/bin/env bash
# The one test command (`npm test`): installs what it needs, then runs every suite.
#   1. system packages (Debian): installed with apt-get when run as root, else named and required
#   2. npm dependencies (root, app/, cloudmap-sd/ and functions/), from the committed lockfiles
#   3. type checks (tsc --noEmit), separate from the fast test runner; formatting (prettier); the import rules
#      (`npm run lint:imports`: no import cycle, nothing in config/ imports components/) and the
#      boundary between the Pulumi program and functions/ (`npm run lint:boundary`, dependency-cruiser);
#      no dead export (`npm run lint:exports`, knip: knip.jsonc)
#   4. unit and mock tests (mocha + tsx), including real-tool checks (promtool, amtool); the Lambda
#      runtime package's own tests (functions/)
#   5. web server integration tests against real PostgreSQL and Redis on 127.0.0.1, and the Cloud Map
#      discovery sidecar's tests (cloudmap-sd/) against a local Cloud Map stand-in
# Ends with one line "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian package → a binary it provides.
declare -A PACKAGES=(
  [prometheus]=promtool
  [prometheus-alertmanager]=amtool
  [prometheus-node-exporter]=prometheus-node-exporter
  [prometheus-redis-exporter]=prometheus-redis-exporter
  [prometheus-postgres-exporter]=prometheus-postgres-exporter
  [postgresql]=pg_ctlcluster
  [redis-server]=redis-server
  # e2e's ECS instance model (e2e/services/ecs-host.ts): the root volume is a loop-mounted ext4 image
  [e2fsprogs]=mkfs.ext4
)

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

missing=()
for pkg in "${!PACKAGES[@]}"; do
  bin=${PACKAGES[$pkg]}
  command -v "$bin" >/dev/null 2>&1 || [[ -x /usr/sbin/$bin || -x /sbin/$bin ]] || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    step "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Missing Debian packages: ${missing[*]}" >&2
    echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

step "npm dependencies"
if [[ "${CI:-}" == "true" || ! -d node_modules ]]; then npm ci --no-audit --no-fund; fi
if [[ "${CI:-}" == "true" || ! -d app/node_modules ]]; then npm ci --prefix app --no-audit --no-fund; fi
if [[ "${CI:-}" == "true" || ! -d cloudmap-sd/node_modules ]]; then npm ci --prefix cloudmap-sd --no-audit --no-fund; fi
if [[ "${CI:-}" == "true" || ! -d functions/node_modules ]]; then npm ci --prefix functions --no-audit --no-fund; fi

step "type check"
npx tsc --noEmit
npx tsc --noEmit -p app
npx tsc --noEmit -p cloudmap-sd
npx tsc --noEmit -p functions

passed=0
failed=0
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

# Runs a mocha suite with the JSON summary captured, counting its results.
suite() {
  local name=$1; shift
  step "$name"
  local status=0
  "$@" --reporter spec 2>&1 | tee "$results/$name.log" || status=$?
  local p f
  p=$(grep -Eo '^ +[0-9]+ passing' "$results/$name.log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
  f=$(grep -Eo '^ +[0-9]+ failing' "$results/$name.log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
  if [[ $status -ne 0 && $f -eq 0 ]]; then f=1; fi
  passed=$((passed + p)); failed=$((failed + f))
}

# A check that is not a mocha suite: counts as one passed or one failed.
check() {
  local name=$1; shift
  step "$name"
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}

check format npm run -s format:check
check imports npm run -s lint:imports
check "import boundary (Pulumi program ↔ functions/)" npm run -s lint:boundary
check "dead exports" npm run -s lint:exports
suite unit npx mocha
suite functions npm --prefix functions test --
suite app npm --prefix app test --
suite cloudmap-sd npm --prefix cloudmap-sd test --
# 6. the alerting pipeline end to end on 127.0.0.1 (e2e/: real services, faults, alerts at a fake Slack)
suite e2e npx mocha --config e2e/.mocharc.json

echo
echo "Summary: ${passed} passed, ${failed} failed"
[[ $failed -eq 0 ]]
