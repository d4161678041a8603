#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Synthetic benchmark for the gate tests: prints the line protocol of
"dirtyscope bench" (bench-sample / bench-reference / bench-param), so
that "dirtyscope bench -o FILE -- gen_bench.py ..." makes a bench file.

Model of one run of N rounds, seeded (same arguments, same output):
  speed      the machine's speed factor for the whole run (--speed)
  drift_i    a per-round factor shared by every operation of round i
             (lognormal, --drift): a noisy neighbour slows all alike
  sample     base * factor * speed * drift_i * lognormal(--noise)
  reference  --ref-base * speed * drift_i * lognormal(--noise)
so the reference carries the run's speed and its drift, and a metric's
--slow factor is the only thing that is not shared.

usage: gen_bench.py [--seed S] [-n N] [--speed F] [--noise SIGMA]
                    [--drift SIGMA] [--slow METRIC=FACTOR]...
                    [--metrics NAME=BASE,...] [--ref-base NS] [--param K=V]
"""
import argparse
import random


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-n", type=int, default=21)
    ap.add_argument("--speed", type=float, default=1.0)
    ap.add_argument("--noise", type=float, default=0.15)
    ap.add_argument("--drift", type=float, default=0.05)
    ap.add_argument("--slow", action="append", default=[])
    ap.add_argument("--metrics",
                    default="split=300000,scan_noclear=400000,"
                            "clear_bitmap=430000,scan_clear=520000,"
                            "merge=470000")
    ap.add_argument("--ref-base", type=float, default=400000)
    ap.add_argument("--reference", default="reference")
    ap.add_argument("--param", action="append", default=["range_mib=16"])
    a = ap.parse_args()

    rng = random.Random(a.seed)
    metrics = [(k, float(v)) for k, v in
               (x.split("=") for x in a.metrics.split(","))]
    slow = {k: float(v) for k, v in (x.split("=") for x in a.slow)}
    for p in a.param:
        k, v = p.split("=", 1)
        print("bench-param %s %s" % (k, v))
    if a.reference:
        print("bench-reference %s" % a.reference)
    print("synthetic run: seed %d, %d rounds, speed %g" % (a.seed, a.n,
                                                          a.speed))
    for _ in range(a.n):
        drift = rng.lognormvariate(0, a.drift)
        if a.reference:
            ref = a.ref_base * a.speed * drift * rng.lognormvariate(0, a.noise)
            print("bench-sample %s %d" % (a.reference, round(ref)))
        for name, base in metrics:
            v = (base * slow.get(name, 1.0) * a.speed * drift *
                 rng.lognormvariate(0, a.noise))
            print("bench-sample %s %d" % (name, round(v)))


if __name__ == "__main__":
    main()
