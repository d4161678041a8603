#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# dirtyscope overhead benchmark (see overhead.c): builds it and runs it.
#
#   bench/overhead/run.sh [-n CALLS] [-r REPS] [-c CPU]
#
# The same as "make -C src bench-overhead BENCH_ARGS='...'".  Needs root.
# A benchmark, not a test: it prints a table and fails only when a variant
# cannot load or did not count the calls.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
exec make -s -C "$top/src" bench-overhead BENCH_ARGS="$*"
