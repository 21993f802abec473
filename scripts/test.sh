#!/usr/bin/env bash
# The whole test suite, from a fresh clone on a fresh machine:
#   unit and property tests, the store conformance suite on SQLite and on
#   PostgreSQL, the in-process HTTP tests, the CLI tests, and the browser
#   tests (headless Chromium + axe-core against the built binary).
# Installs what it needs (PostgreSQL, Chromium, the e2e npm packages).
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

RECONNECT_TEST_POSTGRES_URL="$(bash scripts/ensure-postgres.sh)"
export RECONNECT_TEST_POSTGRES_URL
echo "test.sh: PostgreSQL tests use ${RECONNECT_TEST_POSTGRES_URL%%@*}@…"

cargo build --locked --workspace --all-targets
cargo test --locked --workspace

RECONNECT_BIN="$PWD/target/debug/reconnect" bash e2e/run.sh

# The benchmark harness end to end at its smallest (seconds; no timing is asserted).
CI=true RECONNECT_BIN="$PWD/target/debug/reconnect" RECONNECT_BENCH_POSTGRES_ADMIN="$RECONNECT_TEST_POSTGRES_URL" \
  bash bench/run.sh --scale site --seconds 1 --engine both
