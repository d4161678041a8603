#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Per-policy table of reference-loop runs (bench/policy/run.sh).

    table.py RESULTS.jsonl      markdown, one table per uAPI and workload

Each line of RESULTS is one run of tests/guest/migrate (JSON).  Runs of
one uAPI, workload and policy (several seeds) are averaged.
"""
import json
import sys
from collections import defaultdict

POLICY_ORDER = ["eager", "manual:1", "manual:2", "manual:8", "chunked:1",
                "chunked:4", "adaptive"]


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: table.py RESULTS.jsonl")
    runs = defaultdict(list)
    with open(sys.argv[1]) as f:
        for line in f:
            o = json.loads(line)
            runs[(o["uapi"], o["workload"], o["policy"])].append(o)
    groups = sorted({(u, w) for (u, w, _) in runs})
    for uapi, wl in groups:
        pols = [p for p in POLICY_ORDER if (uapi, wl, p) in runs]
        pols += sorted(p for (u, w, p) in runs
                       if (u, w) == (uapi, wl) and p not in pols)
        first = runs[(uapi, wl, pols[0])][0]
        print(f"**{uapi}, {wl}**, {first['rate']} writes/s, "
              f"{first['params']['npages']} pages, "
              f"{first['params']['send_ns'] // 1000} us/page "
              f"(mean of {len(runs[(uapi, wl, pols[0])])} seeds)\n")
        print("| policy | sent | re-sent | redundant | stop-copy pages | "
              "passes | downtime ms | kernel ms (read + clear) | total ms |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for p in pols:
            rs = runs[(uapi, wl, p)]

            def mean(key, rs=rs):
                return sum(r[key] for r in rs) / len(rs)
            print(f"| {p} | {mean('sent'):.0f} | {mean('resent'):.0f} | "
                  f"{mean('redundant'):.0f} | {mean('final_pages'):.0f} | "
                  f"{mean('iters'):.1f} | {mean('downtime_ns') / 1e6:.2f} | "
                  f"{mean('read_ns') / 1e6:.1f} + "
                  f"{mean('clear_ns') / 1e6:.1f} | "
                  f"{mean('total_ns') / 1e6:.0f} |")
        print()


if __name__ == "__main__":
    main()
