"""The instant analysis: row counts and means per station."""

from common import args, read_rows, write_result

src, dst = args()
rows = read_rows(src)
result = {}
for station in sorted({r["station"] for r in rows}):
    temps = [float(r["temperature"]) for r in rows if r["station"] == station]
    result[station] = {"days": len(temps), "mean_temperature": round(sum(temps) / len(temps), 2)}
write_result(dst, result)
