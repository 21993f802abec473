#!/usr/bin/env bash
# Browser end-to-end and accessibility tests for reconnect.
#
# Usage (from anywhere, after `cargo build`):
#   bash e2e/run.sh
#
# What it does:
#   1. Installs Debian's Chromium with apt-get if /usr/bin/chromium is missing.
#   2. Runs `npm ci` in e2e/ if node_modules is missing or package-lock.json changed.
#   3. Starts `$RECONNECT_BIN serve --demo --bind 127.0.0.1:<free port>` with a
#      throwaway SQLite database in a temp dir, and waits (up to 60 s) for
#      GET /readyz to answer 200.
#   4. Runs the tests (Node's built-in test runner) with BASE_URL pointing at it.
#   5. Stops the server (by its pid) on exit; prints the server log tail on failure.
#   The exit code is the test run's exit code.
#
# Environment:
#   RECONNECT_BIN     binary to test (default: <repo>/target/debug/reconnect)
#   E2E_BASE_URL      test an already-running server at this URL instead, e.g.
#                     E2E_BASE_URL=http://127.0.0.1:8080 bash e2e/run.sh
#                     (no binary is started; RECONNECT_BIN is ignored)
#   E2E_RUN_TIMEOUT   hard limit for the whole test run in seconds (default 600)
#   E2E_READY_TIMEOUT seconds to wait for /readyz (default 60)
#   E2E_KEEP_TMP=1    keep the temp dir (database, server log) for inspection
#   RUST_LOG          passed to the server (default: info)
#   E2E_MAX_PAGES_PER_ROLE, E2E_ROLE_CONCURRENCY, E2E_*_TIMEOUT_MS: see e2e/lib/config.js
#   Extra arguments are passed to `node --test`, e.g.
#     bash e2e/run.sh --test-name-pattern=worker
set -euo pipefail

E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$E2E_DIR/.." && pwd)"
CHROMIUM=/usr/bin/chromium

log() { printf '[e2e] %s\n' "$*" >&2; }

# --- 1. Chromium ------------------------------------------------------------
if [[ ! -x "$CHROMIUM" ]]; then
  log "$CHROMIUM not found; installing Debian's chromium with apt-get"
  SUDO=()
  if [[ "$(id -u)" -ne 0 ]]; then SUDO=(sudo); fi
  "${SUDO[@]}" apt-get update
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y chromium
fi

# --- 2. npm dependencies ----------------------------------------------------
if ! command -v node >/dev/null 2>&1; then
  log "node is not installed (Node 20 or newer is required)"
  exit 1
fi
LOCK_STAMP="$E2E_DIR/node_modules/.e2e-package-lock.sha256"
LOCK_SUM="$(sha256sum "$E2E_DIR/package-lock.json" | cut -d' ' -f1)"
if [[ ! -d "$E2E_DIR/node_modules" || ! -f "$LOCK_STAMP" || "$(cat "$LOCK_STAMP")" != "$LOCK_SUM" ]]; then
  log "installing npm dependencies (npm ci)"
  (cd "$E2E_DIR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  printf '%s\n' "$LOCK_SUM" >"$LOCK_STAMP"
fi

# --- 3. The server ----------------------------------------------------------
TMP_DIR="$(mktemp -d "${TMPDIR:-/tmp}/reconnect-e2e.XXXXXX")"
SERVER_LOG="$TMP_DIR/server.log"
SERVER_PID=""
TEST_PID=""

cleanup() {
  local rc=$?
  if [[ -n "$TEST_PID" ]] && kill -0 "$TEST_PID" 2>/dev/null; then
    # `timeout` passes the signal on to the test runner's process group.
    kill -TERM "$TEST_PID" 2>/dev/null || true
    wait "$TEST_PID" 2>/dev/null || true
  fi
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      log "server (pid $SERVER_PID) did not stop after SIGTERM; sending SIGKILL"
      kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ "${E2E_KEEP_TMP:-0}" == "1" ]]; then
    log "kept temp dir $TMP_DIR"
  else
    rm -rf "$TMP_DIR"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

print_server_log() {
  if [[ -s "$SERVER_LOG" ]]; then
    log "---- last 100 lines of the server log ($SERVER_LOG) ----"
    tail -n 100 "$SERVER_LOG" >&2 || true
    log "---- end of server log ----"
  fi
}

# GET url, succeed only on HTTP 200 (node is always available here; curl may not be).
http_ok() {
  node -e '
    fetch(process.argv[1], { redirect: "manual", signal: AbortSignal.timeout(2000) })
      .then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1));
  ' "$1"
}

if [[ -n "${E2E_BASE_URL:-}" ]]; then
  BASE_URL="${E2E_BASE_URL%/}"
  log "E2E_BASE_URL set: testing the server already running at $BASE_URL"
else
  RECONNECT_BIN="${RECONNECT_BIN:-$REPO_ROOT/target/debug/reconnect}"
  if [[ ! -x "$RECONNECT_BIN" ]]; then
    log "binary not found or not executable: $RECONNECT_BIN (run \`cargo build\` first, or set RECONNECT_BIN)"
    exit 1
  fi
  PORT="$(node -e '
    const s = require("node:net").createServer();
    s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });
  ')"
  BASE_URL="http://127.0.0.1:$PORT"
  log "starting $RECONNECT_BIN serve --demo --bind 127.0.0.1:$PORT (log: $SERVER_LOG)"
  DATABASE_URL="sqlite://$TMP_DIR/reconnect.db" RUST_LOG="${RUST_LOG:-info}" \
    "$RECONNECT_BIN" serve --demo --bind "127.0.0.1:$PORT" >"$SERVER_LOG" 2>&1 &
  SERVER_PID=$!

  READY_TIMEOUT="${E2E_READY_TIMEOUT:-60}"
  deadline=$((SECONDS + READY_TIMEOUT))
  until http_ok "$BASE_URL/readyz"; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      wait "$SERVER_PID" && server_rc=0 || server_rc=$?
      log "server exited before becoming ready (exit code $server_rc)"
      print_server_log
      exit 1
    fi
    if ((SECONDS >= deadline)); then
      log "server did not answer 200 on $BASE_URL/readyz within ${READY_TIMEOUT}s"
      print_server_log
      exit 1
    fi
    sleep 0.5
  done
  log "server ready at $BASE_URL (pid $SERVER_PID)"
fi

# --- 4. The tests -----------------------------------------------------------
shopt -s nullglob
TEST_FILES=("$E2E_DIR"/tests/*.test.js)
shopt -u nullglob
if ((${#TEST_FILES[@]} == 0)); then
  log "no test files in $E2E_DIR/tests"
  exit 1
fi

TEST_OUTPUT="$TMP_DIR/tests.out"
cd "$E2E_DIR"
# The run goes to the terminal and to $TEST_OUTPUT. It runs in the background so
# that an interrupt reaches the trap, which then stops it (see cleanup).
exec 3> >(tee "$TEST_OUTPUT")
TEE_PID=$!
BASE_URL="$BASE_URL" timeout --kill-after=15 "${E2E_RUN_TIMEOUT:-600}" \
  node --test --test-reporter=./lib/reporter.js "$@" "${TEST_FILES[@]}" >&3 2>&3 &
TEST_PID=$!
status=0
wait "$TEST_PID" || status=$?
TEST_PID=""
exec 3>&-
wait "$TEE_PID" 2>/dev/null || true

if ((status == 124)); then
  log "test run exceeded E2E_RUN_TIMEOUT=${E2E_RUN_TIMEOUT:-600}s and was stopped"
fi
if ((status != 0)); then
  log "tests failed (exit code $status)"
  if [[ -n "$SERVER_PID" ]]; then print_server_log; fi
  # Repeat node's summary so the log still ends with the pass/fail counts.
  summary="$(grep -E '^ℹ (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ' "$TEST_OUTPUT" | tail -n 8 || true)"
  if [[ -n "$summary" ]]; then
    printf '\n%s\n' "$summary"
  fi
fi
exit "$status"
