#!/usr/bin/env bash
# Soak test: mixed load (bench/soak.lua) against a release build of hedgerow on its embedded
# PostgreSQL, for DURATION (default 10m) with CONNECTIONS (default 16) connections. Samples the
# server's RSS every 10 s. Fails when any request failed or RSS grew more than 10% after the
# first minute. Needs wrk (apt-get install -y wrk). Loopback only; stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10m}
CONNECTIONS=${CONNECTIONS:-16}
PORT=${PORT:-3901}
command -v wrk >/dev/null || { echo "soak: needs wrk (apt-get install -y wrk)" >&2; exit 2; }

cargo build --release -q
work=$(mktemp -d /tmp/hedgerow-soak.XXXXXX)
chmod 755 "$work"
bin=target/release/hedgerow
HEDGEROW_DATA_DIR="$work/data" HEDGEROW_LISTEN="127.0.0.1:$PORT" HEDGEROW_SHARE_RATE_LIMIT=0 RUST_LOG=warn \
  "$bin" serve >"$work/serve.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && break
  sleep 0.2
done

api() { curl -sf -X "$1" "http://127.0.0.1:$PORT$2" -H "Authorization: Bearer $SOAK_TOKEN" -H 'Content-Type: application/json' -d "$3"; }
export SOAK_TOKEN
SOAK_TOKEN=$(HEDGEROW_DATA_DIR="$work/data" "$bin" token --sub "$(cat /proc/sys/kernel/random/uuid)" --ttl 24h)
api POST /api/auth/profile '{"username": "soaker"}' >/dev/null
SOAK_SESSION=$(api POST /api/sessions '{"track": "Spa", "is_public": true, "laps": [90000, 89000]}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])')
SOAK_SHARE=$(api POST "/api/sessions/$SOAK_SESSION/shares" '{}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["token"])')
api POST /api/shelves '{"name": "Soak shelf"}' >/dev/null
export SOAK_SESSION SOAK_SHARE

(while kill -0 "$server" 2>/dev/null; do
   awk '/VmRSS/ {print $2}' "/proc/$server/status"; sleep 10
 done) >"$work/rss.kb" &
sampler=$!

echo "soak: $DURATION, $CONNECTIONS connections, logs in $work"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/soak.lua "http://127.0.0.1:$PORT" | tee "$work/wrk.txt"
kill "$sampler" 2>/dev/null || true

failed=$(awk '/Non-2xx or 3xx responses/ {print $NF}' "$work/wrk.txt")
socket=$(awk '/Socket errors/ {print $0}' "$work/wrk.txt")
first=$(sed -n 7p "$work/rss.kb")   # after the first minute (warm-up)
last=$(tail -n 1 "$work/rss.kb")
growth=$(python3 -c "print(round(100 * ($last - $first) / $first, 1))")
echo "soak: failed responses: ${failed:-0}; ${socket:-no socket errors}"
echo "soak: RSS after 1 min ${first} kB, at the end ${last} kB (growth ${growth}%)"
[ -z "$failed" ] && [ -z "$socket" ] && python3 -c "import sys; sys.exit(0 if $growth < 10 else 1)"
