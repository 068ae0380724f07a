"""Combine the three results into one Markdown report."""

import json
import sys

*inputs, dst = sys.argv[1:]
results = {}
for path in inputs:
    with open(path) as f:
        results[path.rsplit("/", 1)[-1].removesuffix(".json")] = json.load(f)
stations = sorted(results["summary"])
lines = [
    "# Weather report",
    "",
    "| station | days | mean °C | trend °C/day | rain mm | wettest day |",
    "|---|---|---|---|---|---|",
]
for s in stations:
    su, tr, ra = results["summary"][s], results["trend"][s], results["rainfall"][s]
    cells = [s, su["days"], su["mean_temperature"], tr["degrees_per_day"], ra["total_mm"], ra["wettest_day"]]
    lines.append("| " + " | ".join(str(c) for c in cells) + " |")
with open(dst, "w") as f:
    f.write("\n".join(lines) + "\n")
