#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""One markdown row per load of bench/trackers/run.sh's results.txt (lines
of key=value): medians over the runs that passed."""
import statistics
import sys


def main(path):
    runs, failed, order = {}, {}, []
    with open(path) as f:
        for line in f:
            kv = dict(w.split("=", 1) for w in line.split() if "=" in w)
            w = kv.get("writes", "?")
            if w not in order:
                order.append(w)
            if kv.get("rc") != "0":
                failed[w] = failed.get(w, 0) + 1
                continue
            runs.setdefault(w, []).append(kv)
    print("| DMA writes a round | runs | pages a round | IOMMU read (GET_DIRTY_BITMAP) µs "
          "| device report (DMA_LOGGING_REPORT) µs | report / read |")
    print("|---|---:|---:|---:|---:|---:|")
    for w in order:
        rs = runs.get(w, [])
        if not rs:
            print("| 1-%s | 0 (+%d failed) | - | - | - | - |" % (w, failed.get(w, 0)))
            continue
        pages = statistics.median(int(r["pages"]) / int(r["rounds"]) for r in rs)
        scan = statistics.median(int(r["scan_median_ns"]) for r in rs) / 1000
        rep = statistics.median(int(r["report_median_ns"]) for r in rs) / 1000
        n = "%d" % len(rs)
        if failed.get(w):
            n += " (+%d failed)" % failed[w]
        print("| 1-%s | %s | %.0f | %.0f | %.0f | %.2f |" % (w, n, pages, scan, rep, rep / scan))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/dev/stdin")
