"""Helpers of bench/run.sh (standard library only).

  jwt SECRET SUB ROLE           an HS256 token with sub and role claims, valid for two hours
  walk BASE TRACK ROWS          follows hedgerow's feed of TRACK, 100 a page, ROWS rows down;
                                prints the next cursor and the id of the last row passed
  check DIR                     asserts that hedgerow, the lean SQL and PostgREST answered each
                                scenario's request alike (DIR/<scenario>.{hedgerow,lean,postgrest})
  pglat PREFIX                  p50 and p99 latency (ms) and failures, from pgbench --log files
  report TSV MD                 the markdown table of a results file, with the ratios
  floor_name                    the scenario name of the bare HTTP round trip's row
"""

import base64
import glob
import hashlib
import hmac
import json
import sys
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path


def jwt(secret, sub, role):
    def b64(raw):
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps({"sub": sub, "role": role, "exp": int(time.time()) + 7200}).encode())
    signature = b64(hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest())
    print(f"{head}.{body}.{signature}")


def walk(base, track, rows):
    rows, cursor, last = int(rows), None, None
    while rows > 0:
        query = {"track": track, "limit": min(rows, 100)}
        if cursor:
            query["cursor"] = cursor
        with urllib.request.urlopen(f"{base}/api/public/sessions?{urllib.parse.urlencode(query)}") as answer:
            page = json.load(answer)
        if not page["data"] or not page["pagination"]["next_cursor"]:
            sys.exit(f"bench: the feed of {track!r} ends before {rows} more rows")
        rows -= len(page["data"])
        cursor, last = page["pagination"]["next_cursor"], page["data"][-1]["id"]
    print(cursor, last)


# What each scenario's answers must agree on: the ids (or, for the write, the fields written),
# pulled from hedgerow's envelope, the lean SQL's JSON and PostgREST's JSON.
def session_fields(s):
    return {k: s[k] for k in ("track", "title", "laps", "visibility")} | {"owner": s["owner"]["username"]}


# Discovery's shelves, each with its count of public books and the page's total and whether it
# is capped (on every row, so that an empty page stays empty).
def shelves(items, total, capped):
    return [(s["id"], s["book_count"], total, capped) for s in items]


EXTRACT = {
    "point_read": (lambda h: h["data"]["id"], lambda l: l["id"], lambda p: p["id"]),
    "share_read": (lambda h: h["data"]["resource"]["id"], lambda l: l["id"], lambda p: p["id"]),
    "feed": (lambda h: [s["id"] for s in h["data"]], lambda l: [s["id"] for s in l], lambda p: [s["id"] for s in p]),
    "discovery": (lambda h: shelves(h["data"], h["pagination"]["total"], h["pagination"]["total_capped"]),
                  lambda l: shelves(l["data"], l["total"], l["total_capped"]),
                  lambda p: shelves(p["data"], p["total"], p["total_capped"])),
    "leaderboard": (lambda h: [e["session"]["id"] for e in h["data"]], lambda l: [e["session"]["id"] for e in l],
                    lambda p: [e["id"] for e in p]),
    "create_session": (lambda h: session_fields(h["data"]), session_fields, lambda p: session_fields(p[0])),
}
EXTRACT["feed_deep"] = EXTRACT["feed"]


def check(directory):
    failed = False
    for scenario, (from_h, from_l, from_p) in EXTRACT.items():
        answers = {}
        for system, extract in (("hedgerow", from_h), ("lean", from_l), ("postgrest", from_p)):
            text = (Path(directory) / f"{scenario}.{system}").read_text()
            try:
                answers[system] = extract(json.loads(text))
            except (ValueError, KeyError, IndexError, TypeError):
                answers[system] = f"unexpected answer: {text[:300]!r}"
        same = answers["hedgerow"] == answers["lean"] == answers["postgrest"]
        empty = isinstance(answers["hedgerow"], list) and len(answers["hedgerow"]) == 0
        if same and not empty:
            what = f"{len(answers['hedgerow'])} rows" if isinstance(answers["hedgerow"], list) else "answers"
            print(f"bench: check {scenario}: {what} alike")
        else:
            failed = True
            print(f"bench: check {scenario} FAILED" + (" (empty)" if empty else ""), file=sys.stderr)
            for system, answer in answers.items():
                print(f"  {system}: {answer}", file=sys.stderr)
    sys.exit(1 if failed else 0)


def pglat(prefix):
    # pgbench --log lines: client_id transaction_no time script_no time_epoch time_us [...];
    # time is the latency in µs, or a word for a failed transaction.
    latencies, failures = [], 0
    for name in glob.glob(prefix + ".*"):
        for line in open(name):
            fields = line.split()
            if len(fields) < 3:
                continue
            if fields[2].isdigit():
                latencies.append(int(fields[2]))
            else:
                failures += 1
    latencies.sort()

    def percentile(p):
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] / 1000 if latencies else float("nan")

    print(f"{percentile(50):.3f} {percentile(99):.3f} {failures}")


HTTP_FLOOR = "0 bare HTTP round trip (GET /health)"  # the row bench/run.sh measures it in


def report(tsv, md):
    rows = [line.rstrip("\n").split("\t") for line in open(tsv)][1:]
    table = defaultdict(dict)
    order = []
    for scenario, c, system, rps, p50, p99, errors in rows:
        if (scenario, c) not in table:
            order.append((scenario, c))
        table[(scenario, c)][system] = (float(rps or "nan"), p50, p99, errors)

    def ratio(a, b):
        return f"{a / b:.2f}" if b and b == b and a == a else ""

    # The ceiling the bare HTTP round trip sets at c = 1 (bench/README.md).
    floor = table.get((HTTP_FLOOR, "1"), {}).get("hedgerow", (float("nan"),))[0]

    def count(rate):
        return f"{rate:.0f}" if rate == rate else ""

    def ceiling(key, lean):
        return ratio(floor, floor + lean) if key[1] == "1" else ""

    lines = [
        "| scenario | c | hedgerow req/s | lean SQL tps | PostgREST req/s | hedgerow / lean | ceiling of hedgerow / lean "
        "| hedgerow / PostgREST | hedgerow / its own SQL | p50 ms h / l / p | p99 ms h / l / p | errors h / l / p |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key in order:
        cells = table[key]
        get = lambda system, i: cells.get(system, (float("nan"), "", "", ""))[i]  # noqa: E731
        h, l, p, o = get("hedgerow", 0), get("lean", 0), get("postgrest", 0), get("own", 0)
        lines.append(
            f"| {key[0]} | {key[1]} | {count(h)} | {count(l)} | {count(p)} | {ratio(h, l)} | {ceiling(key, l)} "
            f"| {ratio(h, p)} | {ratio(h, o)} "
            f"| {get('hedgerow', 1)} / {get('lean', 1)} / {get('postgrest', 1)} "
            f"| {get('hedgerow', 2)} / {get('lean', 2)} / {get('postgrest', 2)} "
            f"| {get('hedgerow', 3)} / {get('lean', 3)} / {get('postgrest', 3)} |"
        )
    text = "\n".join(lines) + "\n"
    Path(md).write_text(text)
    print(text, end="")


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"jwt": jwt, "walk": walk, "check": check, "pglat": pglat, "report": report,
     "floor_name": lambda: print(HTTP_FLOOR)}[command](*args)
