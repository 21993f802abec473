#!/usr/bin/env bash
# reconnect at scale: load a generated dataset, serve it on loopback, drive
# each hot page with wrk, and compare with the floors (the same caseload bytes
# from nginx, and the raw SQL through the engine's own client).
#
# Usage: bash bench/run.sh [--scale site|region|national|national10]
#          [--engine sqlite|postgres|both] [--seconds N] [--connections N]
#          [--reuse]
#   --reuse  keep a dataset already loaded by an earlier run (same scale)
# Environment: RECONNECT_BIN (a built binary to use instead of the release
# build), RECONNECT_BENCH_POSTGRES_ADMIN (an administrator URL; default the
# local server as postgres), CI=true (install missing tools with apt-get).
#
# Everything listens on 127.0.0.1 only; every process started here is ended
# by its PID on exit. Results are printed and saved under bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

scale=site seconds=2 connections=4 engines=sqlite reuse=0
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) scale="$2"; shift 2 ;;
    --engine) engines="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --reuse) reuse=1; shift ;;
    *) echo "bench/run.sh: unknown argument $1 (see the usage at the top of the script)" >&2; exit 2 ;;
  esac
done
case "$scale" in site|region|national|national10) ;; *)
  echo "bench/run.sh: unknown scale '$scale' (site, region, national or national10)" >&2; exit 2 ;;
esac
[ "$engines" = both ] && engines="sqlite postgres"
case "$seconds" in ''|*[!0-9]*) echo "bench/run.sh: --seconds takes a whole number" >&2; exit 2 ;; esac
[ "$seconds" -ge 1 ] && [ "$seconds" -le 60 ] || { echo "bench/run.sh: --seconds must be 1 to 60" >&2; exit 2; }

# The tools: installed with apt-get in CI, else a clear message.
need() { # command package
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "${CI:-}" = true ]; then
    apt-get update -qq >/dev/null && apt-get install -y -qq "$2" >/dev/null
    command -v "$1" >/dev/null 2>&1 && return 0
  fi
  echo "bench/run.sh: the load tool '$1' is missing: install it with 'apt-get install -y $2' and run again" >&2
  exit 1
}
need wrk wrk
need nginx nginx-light
need curl curl
for e in $engines; do
  case "$e" in
    sqlite) need sqlite3 sqlite3 ;;
    postgres) need psql postgresql-client ;;
    *) echo "bench/run.sh: unknown engine '$e' (sqlite, postgres or both)" >&2; exit 2 ;;
  esac
done

# RECONNECT_BIN names a binary already built (CI's debug build); otherwise the
# release build is made and used.
if [ -n "${RECONNECT_BIN:-}" ]; then
  bin="$RECONNECT_BIN"
else
  cargo build --release --locked -q -p reconnect >&2
  bin="$root/target/release/reconnect"
fi
data="$root/data/bench"
mkdir -p "$data" "$root/bench/results"
tmp=$(mktemp -d)
server_pid="" nginx_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
port=$((18000 + RANDOM % 1000))
nginx_port=$((port + 1000))
base="http://127.0.0.1:$port"
export BENCH_DIR="$root/bench"
stamp=$(date -u +%Y-%m-%dT%H%MZ)
out="$root/bench/results/$stamp-$scale.txt"
pg_admin="${RECONNECT_BENCH_POSTGRES_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}"
pg_url="${pg_admin%/*}/reconnect_bench"

# SQL through the engine's own client: sql "<statement>" prints the rows.
sql() {
  case "$engine" in
    sqlite) sqlite3 -batch -noheader "$db_file" "$1" ;;
    postgres) psql -X -q -t -A "$pg_url" -c "$1" ;;
  esac
}

# time_sql NAME FILE: runs the statement in FILE 200 times in one client
# session; prints "p50 p95 p99 per_second" in ms. psql's \timing gives each
# run's time; sqlite3's timer counts whole milliseconds only, so for SQLite
# the mean is taken from the wall time of the 200 runs less that of a session
# that runs nothing, and shown as all three.
time_sql() {
  local stmt times
  stmt=$(cat "$2")
  case "$engine" in
    sqlite)
      local t0 t1 t2
      t0=$(date +%s%N); sqlite3 -batch "$db_file" "SELECT 1" >/dev/null; t1=$(date +%s%N)
      for _ in $(seq 200); do echo "$stmt;"; done | sqlite3 -batch "$db_file" >/dev/null
      t2=$(date +%s%N)
      awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { m = ((c - b) - (b - a)) / 200 / 1e6;
        if (m <= 0) m = (c - b) / 200 / 1e6; printf "%.3f %.3f %.3f %.1f\n", m, m, m, 1000 / m }'
      return ;;
    postgres)
      times=$( { echo '\timing on'; for _ in $(seq 200); do echo "$stmt;"; done; } |
        psql -X -q "$pg_url" | awk '/^Time:/ { print $2 }' ) ;;
  esac
  echo "$times" | grep -E '^[0-9.]+$' | sort -g | awk '
    function at(q,   i) { i = int(NR * q); if (i < 1) i = 1; if (i > NR) i = NR; return v[i] }
    { v[NR] = $1; s += $1 }
    END { if (NR == 0) { print "- - - -"; exit }
          printf "%.3f %.3f %.3f %.1f\n", at(0.5), at(0.95), at(0.99), (s > 0 ? NR * 1000 / s : 0) }'
}

csrf_of() { grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//'; }
sign_in() { # email jar
  local t
  t=$(curl -fs -c "$2" -b "$2" "$base/sign-in" | csrf_of)
  curl -fs -o /dev/null -c "$2" -b "$2" --data-urlencode "csrf_token=$t" \
    --data-urlencode "email=$1" --data-urlencode "password=reconnect-demo-2026" "$base/sign-in"
  awk '$6 == "reconnect_session" { print $7 }' "$2"
}

# load NAME URL [wrk args...]: prints "p50 p95 p99 rps non_ok errors".
load() {
  local name="$1" url="$2"; shift 2
  wrk -t1 -c"$connections" -d"${seconds}s" -s "$root/bench/report.lua" "$@" "$url" 2>/dev/null |
    awk '/^RESULT/ { print $2, $3, $4, $5, $6, $7 }'
}

rows=()
row() { rows+=("$(printf '%-9s %-36s %9s %9s %9s %10s  %s' "$@")"); }

for engine in $engines; do
  echo "== $engine: $scale dataset" >&2
  case "$engine" in
    sqlite)
      db_file="$data/$scale.db"
      url="sqlite://$db_file"
      if [ "$reuse" = 0 ] || [ ! -f "$db_file" ]; then
        DATABASE_URL="$url" RECONNECT_LOG=warn "$bin" demo --scale "$scale" --force >"$tmp/load.txt"
      fi ;;
    postgres)
      url="$pg_url"
      psql -X -q "$pg_admin" -tAc "SELECT 1 FROM pg_database WHERE datname = 'reconnect_bench'" | grep -q 1 ||
        psql -X -q "$pg_admin" -c "CREATE DATABASE reconnect_bench" >/dev/null
      if [ "$reuse" = 0 ] || [ "$(sql "SELECT COUNT(*) FROM site" 2>/dev/null || echo 0)" = 0 ]; then
        DATABASE_URL="$url" RECONNECT_LOG=warn "$bin" demo --scale "$scale" --force >"$tmp/load.txt"
      fi ;;
  esac
  [ -f "$tmp/load.txt" ] && head -1 "$tmp/load.txt" >&2 && rm -f "$tmp/load.txt"

  DATABASE_URL="$url" RECONNECT_LOG=warn "$bin" serve --bind "127.0.0.1:$port" >"$tmp/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do curl -fs "$base/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
  curl -fs "$base/readyz" >/dev/null || { echo "the server did not start:" >&2; cat "$tmp/server.log" >&2; exit 1; }

  # What to ask for, read from the data.
  worker_email="worker1.site001@scale.reconnect.test"
  worker_id=$(sql "SELECT id FROM app_user WHERE email = '$worker_email'")
  site_id=$(sql "SELECT site_id FROM user_site WHERE user_id = '$worker_id'")
  # The contacts the POST row records go to one person; the person page is
  # someone else's, so that reusing a dataset (--reuse) keeps measuring the
  # same history.
  read -r post_person post_episode < <(sql "SELECT e.person_id || ' ' || e.id FROM allocation a
    JOIN episode e ON e.id = a.episode_id WHERE a.worker_id = '$worker_id' AND a.ended_at IS NULL
    AND e.state = 'community_support' ORDER BY e.id LIMIT 1")
  read -r person_id family nhs < <(sql "SELECT p.id || ' ' || p.family_name || ' ' || COALESCE(p.nhs_number, '-')
    FROM person p JOIN episode e ON e.person_id = p.id JOIN contact c ON c.episode_id = e.id
    WHERE p.site_id = '$site_id' AND p.nhs_number IS NOT NULL AND p.id <> '$post_person'
    GROUP BY p.id, p.family_name, p.nhs_number ORDER BY COUNT(*) DESC, p.id LIMIT 1")
  postcode=$(sql "SELECT postcode FROM postcode ORDER BY postcode LIMIT 1")
  history=$(sql "SELECT COUNT(*) FROM contact c JOIN episode e ON e.id = c.episode_id WHERE e.person_id = '$person_id'")

  jar="$tmp/worker.jar"; lead_jar="$tmp/lead.jar"; rm -f "$jar" "$lead_jar"
  session=$(sign_in "$worker_email" "$jar")
  lead_session=$(sign_in "lead@scale.reconnect.test" "$lead_jar")
  [ -n "$session" ] && [ -n "$lead_session" ] || { echo "could not sign in" >&2; exit 1; }
  csrf=$(curl -fs -b "$jar" "$base/account" | csrf_of)
  cookie="Cookie: reconnect_session=$session"

  # The floor for the caseload page: its bytes, served by nginx.
  mkdir -p "$tmp/www" "$tmp/nginx"
  curl -fs -H "$cookie" "$base/caseload" -o "$tmp/www/caseload.html"
  caseload_bytes=$(wc -c <"$tmp/www/caseload.html")
  cat >"$tmp/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $tmp/nginx; proxy_temp_path $tmp/nginx; fastcgi_temp_path $tmp/nginx;
  uwsgi_temp_path $tmp/nginx; scgi_temp_path $tmp/nginx;
  server { listen 127.0.0.1:$nginx_port; root $tmp/www; default_type text/html; }
}
CONF
  nginx -c "$tmp/nginx/nginx.conf" -g 'daemon off;' &
  nginx_pid=$!
  for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$nginx_port/caseload.html" >/dev/null 2>&1 && break; sleep 0.1; done

  # The raw SQL floors: the caseload query and the national aggregate.
  cat >"$tmp/caseload.sql" <<SQL
SELECT e.id, e.person_id, e.site_id, p.given_name, p.family_name, p.preferred_name, e.state,
 e.expected_release, e.release_unknown_reason, e.released_on, a.worker_id, w.display_name,
 m.display_name,
 (SELECT COUNT(*) FROM consent_record c LEFT JOIN consent_withdrawal cw ON cw.consent_id = c.id
  WHERE c.episode_id = e.id AND c.kind = 'take_part' AND cw.consent_id IS NULL AND c.given_on <= '2099-01-01'),
 (SELECT COUNT(DISTINCT c.partner) FROM consent_record c LEFT JOIN consent_withdrawal cw ON cw.consent_id = c.id
  WHERE c.episode_id = e.id AND c.kind = 'sharing' AND cw.consent_id IS NULL AND c.given_on <= '2099-01-01'
  AND (c.expires_on IS NULL OR c.expires_on > '2099-01-01'))
FROM allocation a JOIN episode e ON e.id = a.episode_id JOIN person p ON p.id = e.person_id
JOIN app_user w ON w.id = a.worker_id LEFT JOIN app_user m ON m.id = a.mentor_id
WHERE a.ended_at IS NULL AND (a.worker_id = '$worker_id' OR a.mentor_id = '$worker_id')
AND p.site_id IN ('$site_id')
SQL
  cat >"$tmp/figures.sql" <<SQL
SELECT s.id, s.name, s.region, (SELECT COUNT(*) FROM prison p WHERE p.site_id = s.id),
 (SELECT COUNT(*) FROM user_site us JOIN app_user u ON u.id = us.user_id
  WHERE us.site_id = s.id AND u.disabled_at IS NULL),
 (SELECT COUNT(*) FROM person pe WHERE pe.site_id = s.id)
FROM site s ORDER BY s.name
SQL
  read -r sql_c50 sql_c95 sql_c99 sql_crps < <(time_sql caseload "$tmp/caseload.sql")
  read -r sql_f50 sql_f95 sql_f99 sql_frps < <(time_sql figures "$tmp/figures.sql")
  row "$engine" "floor: caseload SQL ($engine client)" "$sql_c50" "$sql_c95" "$sql_c99" "$sql_crps" ""
  row "$engine" "floor: aggregate SQL ($engine client)" "$sql_f50" "$sql_f95" "$sql_f99" "$sql_frps" ""
  read -r n50 n95 n99 nrps _ _ < <(load nginx "http://127.0.0.1:$nginx_port/caseload.html")
  row "$engine" "floor: nginx caseload bytes" "$n50" "$n95" "$n99" "$nrps" "$caseload_bytes bytes"

  ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0 && a != "-") printf "%.3fx", a / b; else print "-" }'; }
  bench() { # label floor_kind url [wrk args]
    local label="$1" floor="$2" url="$3"; shift 3
    local status
    status=$(curl -s -o /dev/null -w '%{http_code}' "$@" "$url")
    if [ "$status" = 404 ] || [ "$status" = 000 ]; then
      row "$engine" "$label" "-" "-" "-" "-" "not available (HTTP $status)"
      return
    fi
    local p50 p95 p99 rps bad errs note=""
    read -r p50 p95 p99 rps bad errs < <(load "$label" "$url" "$@")
    case "$floor" in
      nginx) note="throughput $(ratio "$rps" "$nrps") of nginx; p50 $(ratio "$p50" "$sql_c50") of SQL" ;;
      caseload) note="p50 $(ratio "$p50" "$sql_c50") of SQL" ;;
      figures) note="p50 $(ratio "$p50" "$sql_f50") of SQL" ;;
    esac
    [ "${bad:-0}" != 0 ] && note="$note; $bad non-2xx/3xx"
    [ "${errs:-0}" != 0 ] && note="$note; $errs socket errors"
    row "$engine" "$label" "$p50" "$p95" "$p99" "$rps" "${note#; }"
  }
  bench "caseload page" nginx "$base/caseload" -H "$cookie"
  # One connection, like the SQL floor's one client: the cost of a request
  # without waiting behind the others.
  connections=1 bench "caseload page, 1 connection" caseload "$base/caseload" -H "$cookie"
  bench "person page ($history contacts)" none "$base/people/$person_id" -H "$cookie"
  bench "person timeline ($history contacts)" none "$base/people/$person_id/timeline" -H "$cookie"
  bench "search by name" none "$base/people?q=$family" -H "$cookie"
  bench "search by NHS number" none "$base/people?q=$nhs" -H "$cookie"
  bench "needs attention" none "$base/attention" -H "$cookie"
  bench "proximity (Open Referral UK)" none \
    "$base/openreferral/service_at_locations?postcode=$postcode&proximity=5000"
  bench "national aggregate (lead)" none "$base/figures" -H "Cookie: reconnect_session=$lead_session"
  connections=1 bench "national aggregate, 1 connection" figures "$base/figures" \
    -H "Cookie: reconnect_session=$lead_session"
  # Durable writes: new contacts through the HTML form, counted in the database.
  before=$(sql "SELECT COUNT(*) FROM contact")
  read -r p50 p95 p99 rps bad errs < <(BENCH_CSRF="$csrf" \
    BENCH_PATH="/people/$post_person/episodes/$post_episode/contacts" \
    BENCH_DAY=$(date -u +%-d) BENCH_MONTH=$(date -u +%-m) BENCH_YEAR=$(date -u +%Y) \
    wrk -t1 -c"$connections" -d"${seconds}s" -s "$root/bench/post_contact.lua" -H "$cookie" "$base/" 2>/dev/null |
    awk '/^RESULT/ { print $2, $3, $4, $5, $6, $7 }')
  after=$(sql "SELECT COUNT(*) FROM contact")
  written=$((after - before))
  row "$engine" "record a contact (POST)" "$p50" "$p95" "$p99" "$rps" \
    "$written stored ($(awk -v n="$written" -v s="$seconds" 'BEGIN { printf "%.0f", n / s }')/s durable)${bad:+; $bad non-2xx/3xx}"

  # VmHWM counts the pages of the memory-mapped SQLite file that were read
  # (the kernel's file cache, shared and reclaimable) as well as the
  # process's own memory; RssAnon is the process's own memory alone.
  rss=$(awk '/VmHWM/ { printf "%.0f MB", $2 / 1024 }' "/proc/$server_pid/status")
  anon=$(awk '/RssAnon/ { printf "%.0f MB", $2 / 1024 }' "/proc/$server_pid/status")
  rows+=("$(printf '%-9s %s' "$engine" "server peak RSS (VmHWM): $rss; own memory now (RssAnon): $anon")")
  kill "$nginx_pid" 2>/dev/null; wait "$nginx_pid" 2>/dev/null || true; nginx_pid=""
  kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null || true; server_pid=""
done

{
  echo "reconnect bench: scale $scale, ${seconds}s per row, $connections connections, $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown); latencies in ms; rps = requests per second"
  printf '%-9s %-36s %9s %9s %9s %10s  %s\n' engine what p50 p95 p99 rps notes
  printf '%s\n' "${rows[@]}"
} | tee "$out"
echo "saved $out" >&2
