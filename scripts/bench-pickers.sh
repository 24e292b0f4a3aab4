#!/usr/bin/env bash
# Measures the core pickers: builds the benchmarks jar, runs the JMH suites with the GC profiler
# (allocation per operation), writes raw results and Markdown tables under lb-benchmarks/results/,
# and runs the key distribution report. About 25 minutes on 2 cores.
#
# Usage: scripts/bench-pickers.sh
# Environment: JMH_ARGS overrides the run length (default: -f 1 -wi 3 -w 1s -i 5 -r 1s).
set -euo pipefail

cd "$(dirname "$0")/.."
./mvnw -q -pl lb-benchmarks -am package -DskipTests

jar=lb-benchmarks/target/benchmarks.jar
out=lb-benchmarks/results
mkdir -p "$out"
read -r -a run <<< "${JMH_ARGS:--f 1 -wi 3 -w 1s -i 5 -r 1s}"

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "nproc: $(nproc)"
  lscpu | grep 'Model name' || true
  java -version 2>&1
  echo "jmh args: ${run[*]} -prof gc"
  # Other work on the machine shows in every number; record how busy it was.
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$out/environment.txt"

# The floor (ChooseBenchmark.floor) runs in the same invocation as the pickers it is compared with.
for threads in 1 2; do
  java -jar "$jar" "${run[@]}" -prof gc -t "$threads" \
    -rf json -rff "$out/pickers-t$threads.json" \
    'ChooseBenchmark|AcquireBenchmark' | tee "$out/pickers-t$threads.log"
done

java -jar "$jar" "${run[@]}" -prof gc \
  -rf json -rff "$out/membership.json" \
  'ChooseBenchmark.floor|ContendedBenchmark|RingBuildBenchmark' | tee "$out/membership.log"

# Round-robin has the tightest target (1.5x the floor): measure it once more next to the floor, in
# three forks of short iterations, so that bursts from other work on the machine hit both alike.
for threads in 1 2; do
  java -jar "$jar" -f 3 -wi 2 -w 500ms -i 5 -r 500ms -prof gc -t "$threads" \
    -p picker=round-robin,round-robin-weighted \
    -rf json -rff "$out/round-robin-t$threads.json" \
    'ChooseBenchmark.(choose|floor)$' | tee "$out/round-robin-t$threads.log"
done

# Where the time of the slow paths goes: clock read, key hash, probes per key, lease with a free clock.
java -jar "$jar" "${run[@]}" -prof gc \
  -rf json -rff "$out/breakdown.json" \
  'CostBreakdownBenchmark' | tee "$out/breakdown.log"

java -cp "$jar" io.github.lb4j.benchmarks.ResultsTable \
  "$out/pickers-t1.json" "$out/pickers-t2.json" "$out/membership.json" \
  "$out/round-robin-t1.json" "$out/round-robin-t2.json" "$out/breakdown.json" \
  > "$out/tables.md"

java -cp "$jar" io.github.lb4j.benchmarks.DistributionReport 1000000 2026 \
  > "$out/distribution.md"

echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/environment.txt"
echo "Results in $out/: tables.md, distribution.md, raw JSON and logs."
