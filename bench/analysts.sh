#!/usr/bin/env bash
# Times analysts' typical queries (bench/analysts/queries.sql) on the benchmark dataset (the
# seed's defaults: 1M sessions), as two analyst logins over TCP with psql: an anonymous one, and
# one mapped to a user (`hedgerow analyst add --as-user`). Issue 12's "fast enough to use".
#
#   bench/analysts.sh                              today's build and surface
#   BIN_DIR=../old/target/release QUERIES=bench/analysts/before.sql LABEL=before bench/analysts.sh
#                                                  an older build (see bench/README.md)
#
# Appends to bench/analysts.tsv: label, query, login, first run ms, median ms, slowest ms, rows.
# Needs psql and python3. Loopback only; stops the server (and its cluster) it started.
set -euo pipefail
cd "$(dirname "$0")/.."
QUERIES=${QUERIES:-bench/analysts/queries.sql}
BIN_DIR=${BIN_DIR:-target/release}   # holds the hedgerow and hedgerow-bench to measure
LABEL=${LABEL:-after}
RUNS=${RUNS:-5}                      # runs of each query, in one connection
SEED_ARGS=${SEED_ARGS-}              # empty: the seed's defaults
PORT=${PORT:-3905}
REUSE_DATA_DIR=${REUSE_DATA_DIR:-}   # a data dir of an earlier run: measure without seeding
for tool in psql python3 curl; do
  command -v "$tool" >/dev/null || { echo "analysts: needs $tool" >&2; exit 2; }
done
[ "$BIN_DIR" != target/release ] || cargo build --release -q --bins
bin=$(cd "$BIN_DIR" && pwd)
work=$(mktemp -d /tmp/hedgerow-analysts.XXXXXX)
chmod 755 "$work"   # as root, the embedded cluster runs as postgres
export HEDGEROW_DATA_DIR="${REUSE_DATA_DIR:-$work/data}"

server=''
stop() { [ -z "$server" ] || { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; }; }
trap stop EXIT
trap 'exit 130' INT TERM
HEDGEROW_LISTEN="127.0.0.1:$PORT" RUST_LOG=warn "$bin/hedgerow" serve >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 600); do
  curl -sf -o /dev/null "http://127.0.0.1:$PORT/ready" && break
  kill -0 "$server" 2>/dev/null || break   # it stopped: say why below
  sleep 0.2
done
curl -sf -o /dev/null "http://127.0.0.1:$PORT/ready" || { echo "analysts: hedgerow did not start" >&2; cat "$work/serve.log" >&2; exit 1; }

secret() { python3 -c "import json; print(json.load(open('$HEDGEROW_DATA_DIR/embedded.json'))['$1'])"; }
db_port=$(secret port)
export HEDGEROW_ADMIN_DATABASE_URL="postgres://postgres:$(secret admin_password)@127.0.0.1:$db_port/hedgerow"
if [ -z "$REUSE_DATA_DIR" ]; then
  echo "analysts: seeding (${SEED_ARGS:-the defaults})"
  # shellcheck disable=SC2086
  "$bin/hedgerow-bench" seed --database-url "$HEDGEROW_ADMIN_DATABASE_URL" $SEED_ARGS
  psql "$HEDGEROW_ADMIN_DATABASE_URL" -qX -c "VACUUM (ANALYZE)" -c "CHECKPOINT"
fi

mapped_user=$(psql "$HEDGEROW_ADMIN_DATABASE_URL" -qAtX -v ON_ERROR_STOP=1 \
  -c "$(sed -n 's/^-- mapped user: //p' "$QUERIES")")
login() {  # name [--as-user user]: a fresh analyst login; prints its psql URL
  local password; password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
  "$bin/hedgerow" analyst remove "$1" >/dev/null 2>&1 || true
  "$bin/hedgerow" analyst add "$@" --password-stdin <<<"$password" >/dev/null
  echo "postgres://$1:$password@127.0.0.1:$db_port/hedgerow"
}
anonymous=$(login bench_anonymous)
mapped=$(login bench_mapped --as-user "$mapped_user")
echo "analysts: $LABEL, $RUNS runs each; the mapped login sees what $mapped_user sees"
[ -s bench/analysts.tsv ] || printf 'label\tquery\tlogin\tfirst_ms\tmedian_ms\tslowest_ms\trows\n' >bench/analysts.tsv
python3 bench/analysts.py "$QUERIES" "$anonymous" "$mapped" "$RUNS" | sed "s/^/$LABEL\t/" | tee -a bench/analysts.tsv
echo "analysts: logs in $work, data in $HEDGEROW_DATA_DIR (rm -rf both when done)"
