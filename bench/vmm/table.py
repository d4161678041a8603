#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""One markdown row per configuration of bench/vmm/run.sh's results.txt
(lines of key=value): medians over the runs that passed."""
import statistics
import sys

COLS = [
    ("dma_writes", "DMA writes"),
    ("dma_pages", "pages DMA wrote"),
    ("pages_reported", "pages reported (sum)"),
    ("pages_reported_distinct", "distinct"),
    ("sent_normal", "pages sent"),
    ("sent_zero", "zero pages"),
    ("passes", "passes"),
    ("downtime_ms", "downtime ms"),
    ("total_ms", "total ms"),
    ("lost", "lost"),
    # dirtyscope rate --prom beside the run: QEMU's calls to each tracker
    ("iommu_scans", "IOMMU scans"),
    ("iommu_scan_ns", "ns per scan"),
    ("device_reports", "device reports"),
    ("device_report_ns", "ns per report"),
    ("device_pages", "pages the device reported"),
]
LABEL = {
    "iommufd-hugetlb": "iommufd, 2 MiB",
    "iommufd-hugetlb-split": "iommufd, 2 MiB, dirty_split=1",
    "iommufd-4k": "iommufd, 4 KiB",
    "type1-hugetlb": "type1, 2 MiB",
    "type1-4k": "type1, 4 KiB",
    "iommufd-hugetlb-device": "iommufd, 2 MiB, device's DMA log",
    "iommufd-4k-device": "iommufd, 4 KiB, device's DMA log",
}


def main(path):
    runs = {}
    failed = {}
    order = []
    with open(path) as f:
        for line in f:
            kv = dict(w.split("=", 1) for w in line.split() if "=" in w)
            cfg = kv.get("config", "?")
            if cfg not in order:
                order.append(cfg)
            if kv.get("rc") != "0":
                failed[cfg] = failed.get(cfg, 0) + 1
                continue
            runs.setdefault(cfg, []).append(kv)
    print("| L2 memory, backend | runs | " + " | ".join(c[1] for c in COLS) + " |")
    print("|---|---:|" + "---:|" * len(COLS))
    for cfg in order:
        rs = runs.get(cfg, [])
        cells = []
        for key, _ in COLS:
            vals = [int(r[key]) for r in rs if r.get(key, "").lstrip("-").isdigit()]
            cells.append(str(int(statistics.median(vals))) if vals else "-")
        n = "%d" % len(rs)
        if failed.get(cfg):
            n += " (+%d failed)" % failed[cfg]
        print("| %s | %s | %s |" % (LABEL.get(cfg, cfg), n, " | ".join(cells)))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/dev/stdin")
