#!/usr/bin/env bash
# Fuzzes the API with schemathesis (PyPI) against its own /openapi.json: a run with a signed-in
# user, then an anonymous run of the operations that allow it. bench/fuzz_fixtures.py first
# creates real data over the API (resources of every kind, share links, invitations, a second
# user and one to delete) and writes each run's schemathesis.toml, which hands every operation
# the ids, tokens and usernames that reach its success path. Loopback only, bounded by EXAMPLES per
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

# Three users (see bench/fuzz_fixtures.py): the caller, a friend whose public things the
# anonymous run reads, and one to be deleted by DELETE /api/auth/profile.
mint() { target/debug/hedgerow token --sub "$(cat /proc/sys/kernel/random/uuid)" --ttl 2h; }
FUZZ_TOKEN=$(mint) FUZZ_FRIEND_TOKEN=$(mint) FUZZ_LEAVER_TOKEN=$(mint) \
  "$venv/bin/python" bench/fuzz_fixtures.py "$base" "$work"

# --generation-allow-x00 false: the server refuses NUL in any text (400 INVALID_TEXT,
# tests/api/bad_input.rs), a rule of every string that the document does not repeat per field.
# --workers 1: with two, the runs die now and then with "AST constructor recursion depth mismatch"
# inside hypothesis (it ast.parse()s a filter's lambda to name it) — CPython 3.11's AST
# converter keeps its recursion depth in state the threads share (python/cpython#106905), not
# a problem of the document. One worker takes well under a minute per run at EXAMPLES=5.
# Which 4xx answers to schema-valid requests are expected, per operation and why: see
# expected_statuses in bench/fuzz_fixtures.py.
run() {
  local name=$1; shift
  echo "fuzz: $name run"
  timeout 900 "$venv/bin/schemathesis" --no-color --config-file "$work/$name.toml" run "$base/openapi.json" \
    --url "$base" --checks all --max-examples "$EXAMPLES" --seed 20261121 --workers 1 --request-timeout 10 \
    --generation-allow-x00 false \
    --continue-on-failure --report junit --report-dir "$work/report-$name" "$@" \
    | tee "$work/$name.txt" | tail -n 25 || true
  # Anything schemathesis reports (failures, errors, warnings) fails the script, at the end.
  grep -qE '^(Failures|Errors|Warnings):' "$work/$name.txt" && reported="$reported $name"
  return 0
}
reported=
# Signed in: every operation, with the fixtures' ids, and the token in signed-in.toml.
run signed-in
# Anonymous: only the operations whose security allows no credentials (listed from the document
# by the fixtures script); the others answer 401 by design, which the signed-in run covers.
run anonymous --include-operation-id-regex "^($(paste -sd'|' "$work/anonymous.ops"))\$"

echo "fuzz: reports and server log in $work"
# The server's own log has one line per request with its status; 503 would mean the database
# went away, anything else 5xx is a bug.
if grep -E 'status=5[0-9]{2}' "$work/serve.log" | grep -qv 'status=503'; then
  echo "fuzz: the server answered 5xx (see $work/serve.log)" >&2
  exit 1
fi
echo "fuzz: no 5xx"
if [ -n "$reported" ]; then
  echo "fuzz: schemathesis reported failures, errors or warnings in:$reported" >&2
  exit 1
fi
