"""Shared helpers for the example analyses: read the CSV, write a JSON result."""

import csv
import json
import sys


def read_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def write_result(path, result):
    with open(path, "w") as f:
        json.dump(result, f, indent=2, sort_keys=True)
        f.write("\n")


def args():
    if len(sys.argv) != 3:
        sys.exit(f"usage: {sys.argv[0]} INPUT.csv OUTPUT.json")
    return sys.argv[1], sys.argv[2]
