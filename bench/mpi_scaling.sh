#!/usr/bin/env bash
# Sweep throughput at 1 and 2 MPI ranks (and more with RANKS="1 2 4"), and the communication
# share of wall time, read from meta.json. Needs an MPI build (NEGSIM_MPI) and mpirun.
#
#   bench/mpi_scaling.sh [REPLICATES_PER_CELL] [THREADS_PER_RANK]
set -euo pipefail
cd "$(dirname "$0")/.."
replicates="${1:-2000}"
threads="${2:-1}"
ranks_list="${RANKS:-1 2}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# 4 cells of the GGE 2017 scenario with noise: 4 x REPLICATES replicates in all.
arguments=(sweep scenarios/gge-2016-2017.yaml --quiet --replicates "$replicates" --seed 7
  --set process.noise=0.06 --vary process.chair.bias=0:0.3:4 --threads "$threads")
build/negsim "${arguments[@]}" --out "$work/reference"
printf '%-6s %-8s %-10s %-14s %-20s %s\n' ranks threads wall_s replicates/s communication_share identical
for ranks in $ranks_list; do
  start=$(date +%s.%N)
  mpirun --allow-run-as-root --oversubscribe --bind-to none -np "$ranks" build/negsim "${arguments[@]}" --out "$work/r$ranks"
  end=$(date +%s.%N)
  python3 - "$work/r$ranks/meta.json" "$start" "$end" "$replicates" "$ranks" "$threads" \
    "$work/reference" "$work/r$ranks" <<'PY'
import json, sys, filecmp
meta = json.load(open(sys.argv[1]))
start, end, replicates, ranks, threads = float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
wall = end - start  # includes mpirun's start-up
total = 4 * replicates
per_rank = meta.get("distributed", {}).get("per_rank", [])
busy = sum(r["compute_seconds"] + r["communication_seconds"] for r in per_rank)
communication = sum(r["communication_seconds"] for r in per_rank)
share = f"{communication / busy:.2%}" if busy > 0 else "n/a (1 rank)"
same = all(filecmp.cmp(f"{sys.argv[7]}/{n}", f"{sys.argv[8]}/{n}", shallow=False) for n in ("cells.csv", "summary.json"))
print(f"{ranks:<6} {threads:<8} {wall:<10.2f} {total / wall:<14.0f} {share:<20} {same}  (in-process {meta['replicates_per_second']:.0f}/s)")
PY
done
