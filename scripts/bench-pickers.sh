#!/usr/bin/env bash
# Measures lb4j's pickers next to their peers: gRPC-java's round_robin, least_request and ring_hash
# pickers and Guava's jump hash, with the floor (a bare shared-counter round-robin), over 10 and
# 1,000 endpoints. One JMH run per thread count (1, then 2) holds lb4j, the peers and the floor, so
# every ratio compares numbers from the same run. Runs with the GC profiler (bytes per operation),
# records the machine, the JDK and the load average before and after each run, and writes raw
# results, logs and Markdown tables (lb4j / peer ratios first) under lb-benchmarks/results/.
#
# About 18 minutes on 2 cores: 2 JMH runs of 38 trials (19 benchmarks x 2 sizes) of 8 s of
# iterations plus under a second of fork and set-up each (about 5.5 minutes a run), the membership
# changes (16 trials, about 3 minutes), the key distribution report and the build. With --more it
# then also runs the older suites (every picker at 3, 10, 100 and 1,000 endpoints, the contended
# membership and cost breakdown suites): about 25 minutes more.
#
# Usage: scripts/bench-pickers.sh [--more]
# Environment: JMH_ARGS overrides the run length (default: -f 1 -wi 3 -w 1s -i 5 -r 1s);
# RESULTS_DIR the output directory (default: lb-benchmarks/results).
set -euo pipefail

more=false
case "${1:-}" in
  "") ;;
  --more) more=true ;;
  *) echo "usage: $0 [--more]" >&2; exit 2 ;;
esac

cd "$(dirname "$0")/.."
./mvnw -q -pl lb-benchmarks -am package -DskipTests

jar=lb-benchmarks/target/benchmarks.jar
out=${RESULTS_DIR:-lb-benchmarks/results}
mkdir -p "$out"
read -r -a run <<< "${JMH_ARGS:--f 1 -wi 3 -w 1s -i 5 -r 1s}"

loadavg() {
  cut -d' ' -f1-3 /proc/loadavg
}

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "nproc: $(nproc)"
  lscpu 2>/dev/null | grep 'Model name' || echo "Model name: unknown"
  java -version 2>&1
  echo "jmh args: ${run[*]} -prof gc"
  # Other work on the machine shows in every number; record how busy it was.
  echo "load average at start: $(loadavg)"
} > "$out/environment.txt"

# lb4j and its peers in one run per thread count, with the floor the per-file tables divide by.
tables=()
for threads in 1 2; do
  echo "load average before peers at $threads thread(s): $(loadavg)" >> "$out/environment.txt"
  java -jar "$jar" "${run[@]}" -prof gc -t "$threads" -p n=10,1000 \
    -rf json -rff "$out/peers-t$threads.json" \
    'PeerBenchmark\.|ChooseBenchmark\.floor$' | tee "$out/peers-t$threads.log"
  echo "load average after peers at $threads thread(s): $(loadavg)" >> "$out/environment.txt"
  tables+=("$out/peers-t$threads.json")
done

# Membership changes: one endpoint joining or leaving, through the balancer and in the ring alone.
echo "load average before membership: $(loadavg)" >> "$out/environment.txt"
java -jar "$jar" "${run[@]}" -prof gc -p n=16,1000 \
  -rf json -rff "$out/membership.json" \
  'RingBuildBenchmark.(balancerAddOrRemoveOne|addOrRemoveOne|reweightOne|fromScratch)$' \
  | tee "$out/membership.log"
tables+=("$out/membership.json")

# Key distribution and disruption over 1,000,000 keys.
java -cp "$jar" io.github.lb4j.benchmarks.DistributionReport 1000000 2026 > "$out/distribution.md"

if "$more"; then
  # The floor (ChooseBenchmark.floor) runs in the same invocation as the pickers it is compared with.
  for threads in 1 2; do
    java -jar "$jar" "${run[@]}" -prof gc -t "$threads" \
      -rf json -rff "$out/pickers-t$threads.json" \
      'ChooseBenchmark|AcquireBenchmark' | tee "$out/pickers-t$threads.log"
    tables+=("$out/pickers-t$threads.json")
  done

  java -jar "$jar" "${run[@]}" -prof gc \
    -rf json -rff "$out/contended.json" \
    'ChooseBenchmark.floor|ContendedBenchmark|RingBuildBenchmark.setEndpoints' | tee "$out/contended.log"
  tables+=("$out/contended.json")

  # Round-robin has the tightest target (1.5x the floor): measure it once more next to the floor,
  # in three forks of short iterations, so that bursts from other work hit both alike.
  for threads in 1 2; do
    java -jar "$jar" -f 3 -wi 2 -w 500ms -i 5 -r 500ms -prof gc -t "$threads" \
      -p picker=round-robin,round-robin-weighted \
      -rf json -rff "$out/round-robin-t$threads.json" \
      'ChooseBenchmark.(choose|floor)$' | tee "$out/round-robin-t$threads.log"
    tables+=("$out/round-robin-t$threads.json")
  done

  # Where the time of the slow paths goes: clock read, key hash, probes per key, lease clocks.
  java -jar "$jar" "${run[@]}" -prof gc \
    -rf json -rff "$out/breakdown.json" \
    'CostBreakdownBenchmark' | tee "$out/breakdown.log"
  tables+=("$out/breakdown.json")
fi

java -cp "$jar" io.github.lb4j.benchmarks.ResultsTable "${tables[@]}" > "$out/tables.md"

echo "load average at end: $(loadavg)" >> "$out/environment.txt"
echo "Results in $out/: tables.md (lb4j / peer ratios first), environment.txt, raw JSON and logs."
