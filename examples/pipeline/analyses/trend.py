"""The slow analysis: a least-squares temperature trend per station (with a deliberate pause,
standing in for a model fit that takes a while)."""

import time

from common import args, read_rows, write_result

src, dst = args()
rows = read_rows(src)
time.sleep(2.0)  # stands in for real work
result = {}
for station in sorted({r["station"] for r in rows}):
    pts = [(float(r["day"]), float(r["temperature"])) for r in rows if r["station"] == station]
    n = len(pts)
    mx = sum(x for x, _ in pts) / n
    my = sum(y for _, y in pts) / n
    slope = sum((x - mx) * (y - my) for x, y in pts) / sum((x - mx) ** 2 for x, _ in pts)
    result[station] = {"degrees_per_day": round(slope, 4)}
write_result(dst, result)
