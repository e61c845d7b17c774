#!/usr/bin/env bash
# Runs every check and test: installs/starts PostgreSQL, NATS (JetStream), Redis, Chromium and
# ChromeDriver when missing; builds the web client; checks docker-compose.yml, formatting and
# clippy (host crates and the wasm client); then runs all tests (unit, per-service integration,
# end-to-end over REST, headless browser) with cargo-nextest, or `cargo test` without it.
# Exits non-zero when any step fails; prints each step's duration.
#
#   scripts/test.sh [ARGS...]      ARGS go to the test runner (e.g. -p psa-identity, a filter)
#
# The tests read the same PSA_* variables as the services (README), with the same defaults;
# the harness creates its own databases and NATS namespaces.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PSA_ROOT"

WEB_TARGET_DIR=${CARGO_TARGET_DIR_WEB:-target/web}
# The web client builds only for wasm32 (BUILD.md): host steps leave it out.
HOST_SCOPE=(--workspace --exclude psa-web)

STEPS=() RESULTS=() FAILED=()

# step NAME [--fatal] CMD...: runs CMD, records its result and duration.
step() {
  local name=$1 fatal=0
  shift
  if [[ ${1:-} == --fatal ]]; then
    fatal=1
    shift
  fi
  log "$name"
  local start=$SECONDS rc=0
  "$@" || rc=$?
  local took
  took=$(fmt_duration $((SECONDS - start)))
  STEPS+=("$name")
  if ((rc == 0)); then
    RESULTS+=("ok      $took")
    ok "$name ($took)"
  else
    RESULTS+=("FAILED  $took  (exit $rc)")
    FAILED+=("$name")
    printf '%sFAILED%s %s (%s, exit %s)\n' "$_c_red" "$_c_off" "$name" "$took" "$rc" >&2
    if ((fatal)); then
      summary
      exit "$rc"
    fi
  fi
}

summary() {
  local i
  printf '\n%-28s %s\n' "step" "result" >&2
  for i in "${!STEPS[@]}"; do printf '%-28s %s\n' "${STEPS[$i]}" "${RESULTS[$i]}" >&2; done
}

run_shellcheck() { shellcheck -x scripts/*.sh .ci/run; }

run_tests() {
  if cargo nextest --version >/dev/null 2>&1; then
    # nextest does not run doc tests; cargo does, first (their output is short).
    cargo test "${HOST_SCOPE[@]}" --doc || return
    cargo nextest run "${HOST_SCOPE[@]}" --no-fail-fast "$@"
  else
    warn "cargo-nextest not found: using cargo test (install it with: cargo install cargo-nextest --locked)"
    cargo test "${HOST_SCOPE[@]}" --no-fail-fast "$@"
  fi
}

TOTAL_START=$SECONDS

step "infrastructure" --fatal bash scripts/deps.sh --browser --mail --ldap
step "web client" --fatal bash scripts/build-web.sh
step "docker-compose.yml" bash scripts/check-compose.sh
if have shellcheck; then
  step "shellcheck" run_shellcheck
fi
step "cargo fmt" cargo fmt --all --check
step "clippy (host)" cargo clippy "${HOST_SCOPE[@]}" --all-targets -- -D warnings
step "clippy (web, wasm32)" env CARGO_TARGET_DIR="$WEB_TARGET_DIR" \
  cargo clippy -p psa-web --target wasm32-unknown-unknown -- -D warnings
# The checks' summary comes before the tests so that the test runner's own closing lines
# ("Summary … N tests run: N passed") end the output.
summary
printf '%-28s %s\n' "checks took" "$(fmt_duration $((SECONDS - TOTAL_START)))" >&2
step "tests" run_tests "$@"
if ((${#FAILED[@]})); then
  printf 'failed: %s\n' "${FAILED[*]}" >&2
  exit 1
fi
