#!/usr/bin/env bash
# npm test: installs what the tests need (from Debian's packages and the npm registry only), then runs
# the format check, lint (TypeScript, JavaScript and Python), type-check (the layers' project references), build, and the unit, integration, fault and end-to-end suites.
set -euo pipefail
cd "$(dirname "$0")/.."
export npm_config_nodedir=/usr
step() { printf '\n\033[1m=== %s\033[0m\n' "$*"; }

step "test dependencies"
bash scripts/setup-test-deps.sh

step "format";      npx prettier --check .
step "lint";        npx eslint .
step "lint (Python)"; npm run --silent lint:py
step "type-check";  npx tsc -b
step "build";       node scripts/build.js

step "unit tests"
node scripts/run-tests.js --concurrency 2 test/unit
step "integration tests"
node scripts/run-tests.js --concurrency 1 test/integration
step "fault battery (flow control, floods, bad input, deaths)"
node scripts/run-tests.js --concurrency 1 test/faults
if [ -d test/e2e ] && [ -z "${REMOTE_EXEC_SKIP_E2E:-}" ]; then
  step "end-to-end tests"
  bash scripts/setup-e2e.sh
  node scripts/run-tests.js --concurrency 1 test/e2e
fi
