#!/usr/bin/env bash
# The benchmark run behind README's performance section, in about two minutes: run it on an idle
# machine after `tools/setup`, and read the figures from the directory it prints.
#
#   bench/idle_run.sh [OUTPUT_DIRECTORY]
#
# pinned.txt   every single-threaded benchmark, pinned to core 0 (median of 3 repetitions);
# paired.txt   the ratios of record (BM_Paired*: each run and its floor, or each chair and the
#              compromise chair, timed alternately in one loop), pinned to core 0, 5 repetitions
#              (each line and their median);
# parallel.txt the 1- and 2-thread benchmarks (sweeps, and what two busy cores give independent
#              work: BM_Gge2017RunParallel, BM_Gge2017FloorParallel), unpinned;
# speedup.txt  the 100,000-replicate GGE sweep: five alternating pairs of 1 and 2 threads
#              (unpinned; the median ratio is the speed-up), then on 1 thread (core 0, core 1),
#              two such sweeps at once, and on 2 threads: three rounds;
# commands.txt the three chairs on the 100,000-replicate GGE sweep (2 threads, twice), and
#              `/usr/bin/time` of the 193 x 40 commands (sweep of 1,000, explain, report).
# info         commit, times and load average. The machine's speed can wander between minutes:
#              compare figures within one run, and say when and at what load they were taken.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-$(mktemp -d)}"
mkdir -p "$out"
bench=build/bench/negsim_bench
negsim=build/negsim
load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "commit $(git rev-parse --short HEAD) start $(date -u +%FT%TZ) load $(load)" >"$out/info"

taskset -c 0 "$bench" --benchmark_filter='-Parallel|SweepUnit|x100Sweep|Paired' --benchmark_repetitions=3 \
  --benchmark_min_time=0.2 --benchmark_report_aggregates_only=true >"$out/pinned.txt" 2>&1
taskset -c 0 "$bench" --benchmark_filter='Paired' --benchmark_repetitions=5 --benchmark_min_time=0.3 \
  >"$out/paired.txt" 2>&1
"$bench" --benchmark_filter='Parallel|SweepUnit|x100Sweep' --benchmark_repetitions=3 --benchmark_min_time=0.5 \
  --benchmark_report_aggregates_only=true >"$out/parallel.txt" 2>&1
echo "benchmarks done $(date -u +%T) load $(load)" >>"$out/info"

seconds() {  # wall seconds of a command, its output thrown away
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s.%N)
  python3 -c "print(f'{$end - $start:.2f}')"
}
sweep=(sweep scenarios/gge-2016-2017.yaml --quiet --replicates 100000 --seed 1)
# Five alternating pairs, unpinned: 1 thread, then 2 threads, seconds apart. The median of their
# ratios is the speed-up; the rounds below (each core alone, both at once) say what the cores did.
for pair in 1 2 3 4 5; do
  one=$(seconds "$negsim" "${sweep[@]}" --threads 1 --out "$out/p1")
  two=$(seconds "$negsim" "${sweep[@]}" --threads 2 --out "$out/p2")
  rm -rf "$out/p1" "$out/p2"
  python3 -c "print(f'pair $pair: 1 thread {$one} s, 2 threads {$two} s, speed-up {$one / $two:.2f}x')" >>"$out/speedup.txt"
done
for round in 1 2 3; do
  alone0=$(seconds taskset -c 0 "$negsim" "${sweep[@]}" --threads 1 --out "$out/s0")
  alone1=$(seconds taskset -c 1 "$negsim" "${sweep[@]}" --threads 1 --out "$out/s1")
  rm -rf "$out/s0" "$out/s1"
  start=$(date +%s.%N)
  taskset -c 0 "$negsim" "${sweep[@]}" --threads 1 --out "$out/c0" >/dev/null 2>&1 &
  first=$!
  taskset -c 1 "$negsim" "${sweep[@]}" --threads 1 --out "$out/c1" >/dev/null 2>&1 &
  second=$!
  wait "$first"
  end0=$(date +%s.%N)
  wait "$second"
  end1=$(date +%s.%N)
  rm -rf "$out/c0" "$out/c1"
  both=$(seconds "$negsim" "${sweep[@]}" --threads 2 --out "$out/s2")
  rm -rf "$out/s2"
  python3 -c "print(f'round $round: 1 thread on core 0 {$alone0} s, on core 1 {$alone1} s; two at once {$end0 - $start:.2f} and {$end1 - $start:.2f} s; 2 threads {$both} s; speed-up {($alone0 + $alone1) / 2 / $both:.2f}x')" >>"$out/speedup.txt"
done

# The chairs on the GGE sweep (issue 16 names the sweep): 100,000 replicates, 2 threads, twice.
for round in 1 2; do
  line="chairs on the 100,000-replicate GGE sweep, 2 threads, round $round:"
  for strategy in compromise nash maximin; do
    line="$line $strategy $(seconds "$negsim" "${sweep[@]}" --threads 2 --set process.chair.strategy=$strategy \
      --out "$out/chair-$strategy") s"
    rm -rf "$out/chair-$strategy"
  done
  echo "$line" >>"$out/commands.txt"
done

synthetic="$out/synthetic-193x40.yaml"
"$bench" --write-synthetic "$synthetic" >/dev/null
"$bench" --write-synthetic "$out/synthetic-open.yaml" --open >/dev/null
for run in 1 2 3; do
  /usr/bin/time -f "sweep of 1,000 replicates, 2 threads: %e s, %M KB" "$negsim" sweep "$synthetic" --replicates 1000 \
    --threads 2 --quiet --out "$out/sweep$run" >/dev/null 2>>"$out/commands.txt"
  rm -rf "$out/sweep$run"
done
for run in 1 2; do
  /usr/bin/time -f "explain, 2 threads: %e s, %M KB" "$negsim" explain "$synthetic" --threads 2 >/dev/null 2>>"$out/commands.txt"
  /usr/bin/time -f "explain of the open room under consensus-minus-6, 2 threads: %e s, %M KB" "$negsim" explain \
    "$out/synthetic-open.yaml" --set process.rule=consensus-minus-6 --threads 2 >/dev/null 2>>"$out/commands.txt"
done
"$negsim" run "$synthetic" --quiet --out "$out/run" >/dev/null
for run in 1 2; do
  /usr/bin/time -f "report: %e s, %M KB" "$negsim" report "$out/run" --out "$out/report$run.html" >/dev/null 2>>"$out/commands.txt"
  echo "report: $(stat -c %s "$out/report$run.html") bytes" >>"$out/commands.txt"
  rm -f "$out/report$run.html"
done
rm -rf "$out/run"
echo "end $(date -u +%T) load $(load)" >>"$out/info"
echo "$out"
