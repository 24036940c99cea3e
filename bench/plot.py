"""Plots bench/results.tsv: throughput against concurrency for the point read — hedgerow, the
pgbench ceiling and PostgREST — and for the other scenarios. Writes bench/throughput.png.
Needs matplotlib (pip install matplotlib)."""

import csv
import sys
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

here = Path(__file__).parent
rows = list(csv.DictReader(open(here / "results.tsv"), delimiter="\t"))
series = defaultdict(list)
for row in rows:
    if row["requests_per_s"]:
        series[row["scenario"]].append((int(row["concurrency"]), float(row["requests_per_s"])))

point = ["point read (owner, private session)", "pgbench ceiling (point read SQL)",
         "PostgREST 12 point read (same function)"]
fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
for name in point:
    if name in series:
        xs, ys = zip(*sorted(series[name]))
        left.plot(xs, ys, marker="o", label=name.replace(" (owner, private session)", " — hedgerow"))
left.set(title="Point read under RLS", xlabel="concurrent connections", ylabel="requests / s")
left.legend(fontsize=8)
for name, points in series.items():
    if name not in point and not name.startswith("feed SQL"):  # pgbench's RLS comparison
        xs, ys = zip(*sorted(points))
        right.plot(xs, ys, marker="o", label=name)
right.set(title="Other scenarios (hedgerow)", xlabel="concurrent connections", ylabel="requests / s")
right.legend(fontsize=8)
for axis in (left, right):
    axis.set_xscale("log", base=2)
    axis.grid(alpha=0.3)
fig.tight_layout()
fig.savefig(here / "throughput.png", dpi=110)
print("wrote", here / "throughput.png", file=sys.stderr)
