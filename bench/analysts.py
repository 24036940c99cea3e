"""bench/analysts.sh's runner: times each query block of a queries file with psql over TCP.

A block is `-- name: …`, `-- as: anonymous|mapped`, then one SQL statement. Each runs RUNS
times in one connection (\\timing, results discarded); prints a TSV row per block: name, login,
the first run's ms, the median of all runs, the slowest, and the rows the query returned (or, when it fails, psql's error).
"""

import re
import statistics
import subprocess
import sys


def blocks(path):
    text = open(path, encoding="utf-8").read()
    for match in re.finditer(r"^-- name: ([^\n]+)\n-- as: (anonymous|mapped)\n(.+?;)\s*$", text, re.M | re.S):
        yield match.group(1), match.group(2), match.group(3)


def time_query(url, sql, runs):
    script = "\\timing on\n\\o /dev/null\n" + (sql + "\n") * runs + "\\o\n\\timing off\nSELECT count(*) FROM (" + sql.rstrip(";") + ") q;\n"
    done = subprocess.run(["psql", url, "-qAtX", "-v", "ON_ERROR_STOP=1"], input=script,
                          capture_output=True, text=True)
    if done.returncode != 0:
        return None, next((line for line in done.stderr.splitlines() if "ERROR" in line), done.stderr.strip())
    out = done.stdout
    times = [float(t) for t in re.findall(r"^Time: ([0-9.]+) ms", out, re.M)]
    rows = out.strip().splitlines()[-1]
    return times, rows


def main():
    path, anonymous, mapped, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    urls = {"anonymous": anonymous, "mapped": mapped}
    for name, login, sql in blocks(path):
        times, rows = time_query(urls[login], sql, runs)
        if times is None:  # the failure is the result: say what it was
            print(f"{name}\t{login}\t\t\t\t{rows}", flush=True)
            continue
        assert len(times) == runs, (name, times)
        print(f"{name}\t{login}\t{times[0]:.1f}\t{statistics.median(times):.1f}\t{max(times):.1f}\t{rows}", flush=True)


if __name__ == "__main__":
    main()
