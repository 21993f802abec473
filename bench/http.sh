#!/usr/bin/env bash
# HTTP throughput and latency of a few representative endpoints, on loopback.
# Usage: bash bench/http.sh [PEOPLE_PER_SITE=2000] [SECONDS=10]
set -euo pipefail
cd "$(dirname "$0")/.."
people="${1:-2000}"
seconds="${2:-10}"
port=18931
base="http://127.0.0.1:$port"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
cargo build --release --locked -p reconnect >&2

tmp=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

export DATABASE_URL="${DATABASE_URL:-sqlite://$tmp/bench.db}"
./target/release/reconnect migrate >&2
./target/release/reconnect demo --seed 7 --people-per-site "$people" >&2
RECONNECT_LOG=warn ./target/release/reconnect serve --bind "127.0.0.1:$port" >"$tmp/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 50); do curl -fs "$base/readyz" >/dev/null && break; sleep 0.2; done

jar="$tmp/cookies"
csrf() { grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//'; }
token=$(curl -fs -c "$jar" -b "$jar" "$base/sign-in" | csrf)
curl -fs -o /dev/null -c "$jar" -b "$jar" --data-urlencode "csrf_token=$token" \
  --data-urlencode "email=worker.surrey@demo.reconnect.test" \
  --data-urlencode "password=reconnect-demo-2026" "$base/sign-in"
session=$(awk '$6 == "reconnect_session" { print $7 }' "$jar")
token=$(curl -fs -b "$jar" "$base/account" | csrf)
api_token=$(curl -fs -b "$jar" --data-urlencode "csrf_token=$token" --data-urlencode "name=bench" \
  --data-urlencode "lifetime=30" "$base/account/tokens" | grep -o 'rcn_[A-Za-z0-9_-]*' | head -1)
[ -n "$session" ] && [ -n "$api_token" ] || { echo "could not sign in" >&2; exit 1; }

run() {
  local name="$1"; shift
  echo "== $name"
  wrk -t2 -c8 -d"${seconds}s" --latency "$@" | grep -E 'Requests/sec|Latency|50%|99%|Non-2xx'
}
echo "reconnect HTTP benchmark: $people people per site, ${seconds}s per endpoint, 8 connections, $(nproc) cores"
run "GET /people?q=ah (session)" -H "Cookie: reconnect_session=$session" "$base/people?q=ah"
run "GET /api/v1/people?limit=50 (token)" -H "Authorization: Bearer $api_token" "$base/api/v1/people?limit=50"
run "GET /api/v1/me (token)" -H "Authorization: Bearer $api_token" "$base/api/v1/me"
run "GET /healthz" "$base/healthz"
