# SPDX-License-Identifier: GPL-2.0-only
# `make bench` (issue 8), included by the top-level Makefile. Not a test:
# measures, prints a table and writes bench/results.json (bench/run.sh;
# docs/performance.md). BENCH_* variables are passed through the
# environment (bench/run.sh -h lists them).
.PHONY: bench bench-quick bench-host

bench:
	bench/run.sh

# a smoke run of the whole suite (2 repetitions, small sizes); results go
# to build/bench/results-quick.json, not bench/results.json
bench-quick:
	bench/run.sh --quick

# only figure 1 (no VM)
bench-host:
	bench/run.sh --no-vm
