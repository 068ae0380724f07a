"""The medium analysis: total and wettest day per station (with a shorter pause)."""

import time

from common import args, read_rows, write_result

src, dst = args()
rows = read_rows(src)
time.sleep(1.0)  # stands in for real work
result = {}
for station in sorted({r["station"] for r in rows}):
    days = [(float(r["rainfall"]), int(r["day"])) for r in rows if r["station"] == station]
    result[station] = {"total_mm": round(sum(v for v, _ in days), 1), "wettest_day": max(days)[1]}
write_result(dst, result)
