#!/usr/bin/env bash
# Fuzzes the API with schemathesis (PyPI) against its own /openapi.json: a run with a signed-in
# user who owns a few resources, then an anonymous run. Loopback only, bounded by EXAMPLES per
# operation (default 50) and a wall-clock limit. schemathesis (pinned below) is installed into
# a venv in /tmp that is removed at the end; reports and the server log land in a temporary
# directory. Needs python3 with venv (Debian: apt-get install python3-venv).
set -euo pipefail
cd "$(dirname "$0")/.."
EXAMPLES=${EXAMPLES:-50}
PORT=${PORT:-3702}
SCHEMATHESIS=schemathesis==4.32.5

cargo build -q
work=$(mktemp -d /tmp/hedgerow-fuzz.XXXXXX)
chmod 755 "$work"
venv=$(mktemp -d /tmp/hedgerow-fuzz-venv.XXXXXX)
server=
trap '[ -n "$server" ] && { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; }; rm -rf "$venv"' EXIT
python3 -m venv "$venv" || { echo "fuzz: python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; exit 2; }
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-cache-dir "$SCHEMATHESIS"


export HEDGEROW_DATA_DIR="$work/data"
base="http://127.0.0.1:$PORT"
HEDGEROW_LISTEN="127.0.0.1:$PORT" HEDGEROW_SHARE_RATE_LIMIT=0 target/debug/hedgerow serve >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 300); do curl -sf "$base/ready" >/dev/null && break; sleep 0.2; done

token=$(target/debug/hedgerow token --sub "$(cat /proc/sys/kernel/random/uuid)" --ttl 2h)
api() { curl -sf -X POST "$base$1" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$2" >/dev/null; }
api /api/auth/profile '{"username": "fuzzer"}'
api /api/sessions '{"track": "Spa", "is_public": true}'
api /api/shelves '{"name": "Fuzzed"}'
api /api/plans '{"title": "t", "filename": "f.md", "content": "c"}'

run() {
  local name=$1; shift
  echo "fuzz: $name run"
  timeout 900 "$venv/bin/schemathesis" --no-color run "$base/openapi.json" --url "$base" --checks all \
    --max-examples "$EXAMPLES" --seed 20261121 --workers 2 --request-timeout 10 \
    --continue-on-failure --report junit --report-dir "$work/report-$name" "$@" \
    | tee "$work/$name.txt" | tail -n 25 || true
}
run signed-in -H "Authorization: Bearer $token"
run anonymous

echo "fuzz: reports and server log in $work"
# The server's own log has one line per request with its status; 503 would mean the database
# went away, anything else 5xx is a bug.
if grep -E 'status=5[0-9]{2}' "$work/serve.log" | grep -qv 'status=503'; then
  echo "fuzz: the server answered 5xx (see $work/serve.log)" >&2
  exit 1
fi
echo "fuzz: no 5xx"
