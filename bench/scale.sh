#!/usr/bin/env bash
# Scale-out measurements (issue 13, part 4), in one run on one machine:
#  1. what unnamed statements (HEDGEROW_DATABASE_POOLER=transaction) cost against prepared ones,
#     directly and through Debian's PgBouncer in pool_mode=transaction;
#  2. a streaming replica of the same cluster on loopback: its replay lag at rest and under
#     writes, and the feed served from it;
#  3. the row counts and single-node plans that docs/OPERATIONS.md's Citus section reasons from.
# Needs wrk, psql, pgbouncer and the PostgreSQL server binaries
# (apt-get install -y wrk postgresql pgbouncer). Writes $work/results.md and prints it.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
PORT=${PORT:-3400}   # hedgerow servers on PORT..PORT+4; PgBouncer and the replica on free ports
SEED_ARGS=${SEED_ARGS:---users 5000 --sessions 200000 --tracks 50 --shelves 20000 --books 100000 --plans 20000 --shares 20000 --log-rows 200000}
pgbin=$(dirname "$(readlink -f "$(command -v postgres || echo /usr/lib/postgresql/15/bin/postgres)")")

cargo build --release -q --bins
work=$(mktemp -d /tmp/hedgerow-scale.XXXXXX)
chmod 755 "$work"
export HEDGEROW_DATA_DIR=$work/data
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ ! -f "$work/pgbouncer/pgbouncer.pid" ] || kill "$(cat "$work/pgbouncer/pgbouncer.pid")" 2>/dev/null || true
  [ ! -f "$work/replica/postmaster.pid" ] || as_postgres "$pgbin/pg_ctl" -D "$work/replica" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$work/data" "$work/replica"
}
trap stop EXIT
trap 'exit 130' INT TERM
ready() { for _ in $(seq 1 600); do curl -sf -o /dev/null "$1" && return 0; sleep 0.2; done; echo "scale: $1 never answered" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The primary: hedgerow's embedded cluster, seeded.
HEDGEROW_LISTEN=127.0.0.1:$PORT HEDGEROW_SHARE_RATE_LIMIT=0 RUST_LOG=warn \
  target/release/hedgerow serve >"$work/embedded.log" 2>&1 &
pids+=($!)
ready "http://127.0.0.1:$PORT/ready"
secret() { python3 -c "import json; print(json.load(open('$HEDGEROW_DATA_DIR/embedded.json'))['$1'])"; }
db_port=$(secret port)
admin="postgres://postgres:$(secret admin_password)@127.0.0.1:$db_port/hedgerow"
auth_password=$(secret authenticator_password)
sql() { psql "$admin" -XAtq -c "$1"; }
echo "scale: seeding ($SEED_ARGS)"
# shellcheck disable=SC2086
target/release/hedgerow-bench seed --database-url "$admin" $SEED_ARGS
sql "VACUUM (ANALYZE)"

# PgBouncer in transaction mode in front of it.
bouncer_port=$(free_port)
mkdir "$work/pgbouncer"
printf '"hedgerow_authenticator" "%s"\n' "$auth_password" >"$work/pgbouncer/users.txt"
cat >"$work/pgbouncer/pgbouncer.ini" <<EOF
[databases]
* = host=127.0.0.1 port=$db_port
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bouncer_port
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $work/pgbouncer/users.txt
pool_mode = transaction
default_pool_size = 16
max_client_conn = 200
pidfile = $work/pgbouncer/pgbouncer.pid
EOF
chmod -R a+rX "$work/pgbouncer"
[ "$(id -u)" -ne 0 ] || chown postgres: "$work/pgbouncer"
as_postgres /usr/sbin/pgbouncer "$work/pgbouncer/pgbouncer.ini" >"$work/pgbouncer.log" 2>&1 &
pids+=($!)

# A streaming replica of the same cluster.
replica_port=$(free_port)
mkdir -m 700 "$work/replica"
touch "$work/replica.log"
[ "$(id -u)" -ne 0 ] || chown postgres: "$work/replica" "$work/replica.log"
PGPASSWORD=$(secret admin_password) as_postgres "$pgbin/pg_basebackup" -D "$work/replica" -R -X stream -c fast \
  -h 127.0.0.1 -p "$db_port" -U postgres
as_postgres "$pgbin/pg_ctl" -D "$work/replica" -l "$work/replica.log" -w start \
  -o "-p $replica_port -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=200" >/dev/null

url() { echo "postgres://hedgerow_authenticator:$auth_password@127.0.0.1:$1/hedgerow"; }
serve() {  # port, then settings
  local port=$1; shift
  env HEDGEROW_LISTEN="127.0.0.1:$port" HEDGEROW_JWT_SECRET="$(secret jwt_secret)" \
    HEDGEROW_SHARE_RATE_LIMIT=0 RUST_LOG=warn "$@" target/release/hedgerow serve >"$work/serve-$port.log" 2>&1 &
  pids+=($!)
  ready "http://127.0.0.1:$port/ready"
}
serve $((PORT + 1)) DATABASE_URL="$(url "$db_port")"
serve $((PORT + 2)) DATABASE_URL="$(url "$db_port")" HEDGEROW_DATABASE_POOLER=transaction
serve $((PORT + 3)) DATABASE_URL="$(url "$bouncer_port")" HEDGEROW_DATABASE_POOLER=transaction
serve $((PORT + 4)) DATABASE_URL="$(url "$db_port")" HEDGEROW_READ_DATABASE_URL="$(url "$replica_port")"
for _ in $(seq 1 100); do
  curl -s "http://127.0.0.1:$((PORT + 4))/ready" | grep -q '"in use"' && break
  sleep 0.1
done

# Fixtures: a private session and its owner; the track with most public sessions.
IFS='|' read -r session owner < <(sql "SELECT id, owner_id FROM data.sessions WHERE visibility = 'private' ORDER BY id LIMIT 1")
track=$(sql "SELECT track FROM data.sessions WHERE listed GROUP BY track ORDER BY count(*) DESC, track LIMIT 1")
feed="/api/public/sessions?limit=20&track=$(python3 -c "import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))" "$track")"
token=$(target/release/hedgerow token --sub "$owner" --ttl 2h)

run_wrk() {  # c port path token
  BENCH_METHOD=GET BENCH_PATH=$3 BENCH_TOKEN=$4 \
    wrk -t"$(( $1 < 2 ? 1 : 2 ))" -c"$1" -d"$DURATION" -s bench/request.lua "http://127.0.0.1:$2" |
    awk '/^RESULT/ {printf "%s req/s, p50 %s ms, p99 %s ms, %s errors", $2, $3, $4, $5}'
}
{
  echo "# Scale-out measurements, $(date -u +%F)"
  echo
  echo "$(nproc) cores; $(sql "SELECT count(*) FROM data.sessions") sessions on $(sql "SELECT count(DISTINCT track) FROM data.sessions") tracks; wrk $DURATION per cell."
  echo
  echo "## Statements: prepared, unnamed, unnamed through PgBouncer (transaction mode)"
  echo
  echo "| server | scenario | c = 1 | c = 8 |"
  echo "|---|---|---|---|"
  for server in "$((PORT + 1)) direct, prepared (default)" "$((PORT + 2)) direct, HEDGEROW_DATABASE_POOLER=transaction" \
                "$((PORT + 3)) PgBouncer, HEDGEROW_DATABASE_POOLER=transaction" \
                "$((PORT + 4)) direct, feed from the replica"; do
    port=${server%% *} name=${server#* }
    echo "| $name | feed, one track | $(run_wrk 1 "$port" "$feed" "") | $(run_wrk 8 "$port" "$feed" "") |"
    [ "$port" -eq $((PORT + 4)) ] ||
      echo "| $name | owner point read (logged) | $(run_wrk 1 "$port" "/api/sessions/$session" "$token") | $(run_wrk 8 "$port" "/api/sessions/$session" "$token") |"
  done
  echo
  echo "## Replica lag (pg_stat_replication on the primary, sampled every 100 ms for 10 s)"
  echo
  lag() {
    for _ in $(seq 1 100); do
      sql "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), replay_lsn), coalesce(extract(epoch FROM replay_lag) * 1000, 0) FROM pg_stat_replication"
      sleep 0.1
    done | sort -t'|' -k2 -n | awk -F'|' '{b[NR]=$1; l[NR]=$2} END {printf "replay lag p50 %.1f ms, max %.1f ms; bytes behind p50 %d, max %d", l[int(NR/2)+1], l[NR], b[int(NR/2)+1], b[NR]}'
  }
  echo "- at rest: $(lag)"
  body='{"track": "Spa", "title": "lag", "laps": [90000, 91000]}'
  BENCH_METHOD=POST BENCH_PATH=/api/sessions BENCH_TOKEN=$token BENCH_BODY=$body \
    wrk -t2 -c8 -d12s -s bench/request.lua "http://127.0.0.1:$((PORT + 1))" >"$work/writes.txt" &
  writer=$!
  sleep 1
  echo "- while creating sessions at c = 8: $(lag)"
  wait "$writer"
  echo "  (writes: $(awk '/^RESULT/ {printf "%s req/s", $2}' "$work/writes.txt"))"
  echo
  echo "## Row counts and single-node plans (for the Citus section)"
  echo
  echo '```'
  sql "SELECT format('%s: %s', t, n) FROM (VALUES
         ('profiles', (SELECT count(*) FROM data.profiles)), ('sessions', (SELECT count(*) FROM data.sessions)),
         ('public sessions', (SELECT count(*) FROM data.sessions WHERE listed)),
         ('shelves', (SELECT count(*) FROM data.shelves)), ('books', (SELECT count(*) FROM data.books)),
         ('plans', (SELECT count(*) FROM data.plans)), ('share_links', (SELECT count(*) FROM data.share_links)),
         ('grants', (SELECT count(*) FROM data.grants)), ('access_log', (SELECT count(*) FROM data.access_log))) v(t, n)"
  sql "SELECT format('resources per owner: avg %s, p50 %s, p99 %s, max %s', round(avg(n), 1),
               percentile_disc(0.5) WITHIN GROUP (ORDER BY n), percentile_disc(0.99) WITHIN GROUP (ORDER BY n), max(n))
         FROM (SELECT count(*) n FROM (SELECT owner_id FROM data.sessions UNION ALL SELECT owner_id FROM data.shelves
                                       UNION ALL SELECT owner_id FROM data.books UNION ALL SELECT owner_id FROM data.plans) r
                GROUP BY owner_id) o"
  sql "SELECT format('grants per grantee: avg %s, max %s', round(avg(n), 1), max(n)) FROM (SELECT count(*) n FROM data.grants GROUP BY grantee_id) g"
  grantee=$(sql "SELECT grantee_id FROM data.grants GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
  link=$(sql "SELECT token FROM data.share_links LIMIT 1")
  for q in \
    "own list|SELECT id FROM data.sessions WHERE owner_id = '$owner' ORDER BY recorded_at DESC, id DESC LIMIT 20" \
    "point read by id|SELECT * FROM data.sessions WHERE id = '$session'" \
    "feed, one track|SELECT id FROM data.sessions WHERE listed AND track = '$track' ORDER BY recorded_at DESC, id DESC LIMIT 20" \
    "feed, every track|SELECT id FROM data.sessions WHERE listed ORDER BY recorded_at DESC, id DESC LIMIT 20" \
    "leaderboard|SELECT id FROM data.sessions WHERE listed AND best_lap_ms IS NOT NULL AND track = '$track' ORDER BY best_lap_ms, recorded_at, id LIMIT 20" \
    "discovery search|SELECT id FROM data.shelves WHERE listed AND name ILIKE '%poetry%' ORDER BY updated_at DESC, id DESC LIMIT 20" \
    "shared with me|SELECT resource_id FROM data.grants WHERE grantee_id = '$grantee'" \
    "share-token lookup|SELECT resource_id FROM data.share_links WHERE token_hash = sha256(convert_to('$link', 'UTF8'))"; do
    name=${q%%|*} query=${q#*|}
    sql "SET jit = off; EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, SUMMARY ON) $query" |
      awk -v name="$name" '/Execution Time/ {t=$3} /^ *(->|Limit|Index|Bitmap|Seq|Sort)/ && !plan {sub(/^ *(-> *)?/, ""); plan=$0}
                           /Buffers: shared/ && !buf {sub(/^ */, ""); buf=$0}
                           END {printf "%s: %s ms; %s; %s\n", name, t, plan, buf}'
  done
  echo '```'
} | tee "$work/results.md"
echo "scale: results in $work/results.md"
