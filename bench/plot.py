"""Plots bench/results.tsv (bench/run.sh): for each scenario, throughput against concurrency of
hedgerow, its own SQL where measured, the lean SQL and PostgREST on the lean schema. Writes
bench/throughput.png.
Needs matplotlib (pip install matplotlib)."""

import csv
import math
import sys
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from harness import HTTP_FLOOR  # noqa: E402  (a single point, not a curve: left out)

here = Path(__file__).parent
series = defaultdict(lambda: defaultdict(list))
results = list(csv.DictReader(open(here / "results.tsv"), delimiter="\t"))
if results and "system" not in results[0]:
    sys.exit("bench/results.tsv comes from the earlier harness: run bench/run.sh first")
for row in results:
    if row["requests_per_s"] and row["scenario"] != HTTP_FLOOR:
        series[row["scenario"]][row["system"]].append((int(row["concurrency"]), float(row["requests_per_s"])))

# One colour per system in every panel (scenarios 4 and 5 have no "own" series).
labels = {"hedgerow": ("hedgerow (HTTP)", "tab:blue"), "own": ("hedgerow's own SQL (pgbench)", "tab:orange"),
          "lean": ("lean SQL (pgbench)", "tab:green"), "postgrest": ("PostgREST 12 (lean schema)", "tab:red")}
columns = 3
rows = math.ceil(len(series) / columns)
fig, axes = plt.subplots(rows, columns, figsize=(5 * columns, 4 * rows), squeeze=False)
for axis, (scenario, systems) in zip(axes.flat, series.items()):
    for system, (label, colour) in labels.items():
        if systems.get(system):
            xs, ys = zip(*sorted(systems[system]))
            axis.plot(xs, ys, marker="o", label=label, color=colour)
    axis.set(title=scenario, xlabel="concurrent connections", ylabel="requests / s")
    axis.set_xscale("log", base=2)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=7)
for axis in list(axes.flat)[len(series):]:
    axis.set_visible(False)
fig.tight_layout()
fig.savefig(here / "throughput.png", dpi=110)
print("wrote", here / "throughput.png", file=sys.stderr)
