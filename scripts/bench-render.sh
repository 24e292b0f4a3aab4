#!/usr/bin/env bash
# Benchmarks the Mandelbrot render client against the in-process render and against nginx.
#
# Interleaved rounds; in each, every run below once, each run a fresh `render` JVM that renders
# REPEAT times and reports the last (warmed) render's wall time and its CPU per tile over the
# second half of the renders (`cpu:` line: the whole process, and its Java threads alone). Workers are separate processes (1 compute thread each), so the
# render JVM's CPU is the client's alone:
#   - homogeneous: 4 identical workers; tiles 128 and 256: --local, lb4j direct (least-connection,
#     the same with --hedge none, peak-EWMA, round-robin, reported-load) and the same client
#     through nginx least_conn in front of the same 4 workers;
#   - slow: 4 workers, one of them `--slow 4 --slow-mode spin`; tiles 128 and 256; the same lb4j
#     pickers and nginx;
#   - skewed: the default view at max-iter SKEW_MAX_ITER (tiles near the set's edge cost far more
#     than the others), tile 128: --local, least-connection on the homogeneous workers, and on the
#     slow set least-connection, reported-load and nginx;
#   - warmed (in WARM_ROUNDS rounds of their own, after the others): least-connection on the
#     homogeneous set, tile 128, hedging on and off, in a JVM that renders WARM_REPEAT times (the
#     JIT is still compiling at render 12, and at render 300 still takes a sixth of the process
#     CPU: the CPU per tile over renders 501-1000 is the "warmed" figure the targets are checked
#     against);
#   - deep: tile 256 with --per-worker DEEP (at SIZE 2048, all 64 tiles in flight at once, so the
#     picker places every tile, not the per-worker cap): least-connection on the homogeneous set,
#     least-connection, peak-EWMA and reported-load on the slow set.
# After the rounds, the bare HTTP floor under the client CPU per tile: the same 128² tile fetched
# from the homogeneous workers with OkHttp (asynchronous calls, started by one driver thread, and
# blocking calls on a fixed set of threads) and the JDK client, nothing else (HttpFloor in
# lb-benchmarks; FLOOR=0 skips it). Prints medians, per-round ratios and the targets.
#
# Usage: scripts/bench-render.sh   (environment: ROUNDS=5 interleaved rounds, REPEAT=12 renders per
#        JVM, SIZE=2048, MAX_ITER=1000, SKEW_MAX_ITER=10000, TILES="128 256", DEEP=32 (at most the
#        worker's 32 queued + 1), WARM_REPEAT=1000 (at most 1000), WARM_ROUNDS=3,
#        FLOOR_BLOCKS=14 FLOOR_CALLS=5000 (blocks of calls per client in the floor),
#        VERBOSE=1 to print each run; ROUNDS=1 REPEAT=2 WARM_REPEAT=4 WARM_ROUNDS=1 SIZE=256
#        TILES=128 FLOOR_BLOCKS=2 FLOOR_CALLS=200 for a smoke run). About 30 minutes on 2 cores.
# Needs: java 17+, curl, nginx (apt-get install -y nginx; without it the nginx runs are skipped).
#        Builds the example jar with the Maven Wrapper if missing.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-5}
REPEAT=${REPEAT:-12} # renders per process; the last is timed, the second half gives the CPU
SIZE=${SIZE:-2048}
MAX_ITER=${MAX_ITER:-1000}
SKEW_MAX_ITER=${SKEW_MAX_ITER:-10000}
DEEP=${DEEP:-32} # tiles in flight per worker in the deep runs
WARM_REPEAT=${WARM_REPEAT:-1000} # renders per JVM of the warmed CPU runs
WARM_ROUNDS=${WARM_ROUNDS:-3} # interleaved rounds of the warmed runs, after the others
FLOOR=${FLOOR:-1} # 0: no HTTP floor
FLOOR_BLOCKS=${FLOOR_BLOCKS:-14} # blocks of calls per client in the floor
FLOOR_CALLS=${FLOOR_CALLS:-5000} # calls per block
FLOOR_JAR=lb-benchmarks/target/benchmarks.jar
read -r -a TILES <<< "${TILES:-128 256}"
JAR=lb-mandelbrot-example/target/lb4j-mandelbrot.jar
LB4J_PICKERS=(least-connection peak-ewma round-robin reported-load)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-render.XXXXXX")
PIDS=()

cleanup() {
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

if [ ! -f "$JAR" ]; then
  ./mvnw -q -pl lb-mandelbrot-example -am package -DskipTests
fi
if [ "$FLOOR" = 1 ]; then
  [ -f "$FLOOR_JAR" ] || ./mvnw -q -pl lb-benchmarks -am package -DskipTests
  cp "$FLOOR_JAR" "$WORK/floor.jar" # as the example's jar, below
fi
cp "$JAR" "$WORK/bench.jar" # a rebuild during the run must not change the jar under it
JAR=$WORK/bench.jar

# Workers compute only for holders of their token: a fresh one, which render reads from LB4J_TOKEN.
LB4J_TOKEN=$(head -c 32 /dev/urandom | base64 | tr -d '\n/+=')
export LB4J_TOKEN

# start_workers SET N [WORKER-1 OPTIONS...]: starts N worker processes of 1 thread on free ports,
# the first with the extra options; sets SET_URLS (comma-separated) and SET_UPSTREAM (nginx lines).
start_workers() {
  local set=$1 n=$2
  shift 2
  local urls=() upstream="" i
  for i in $(seq "$n"); do
    local log="$WORK/$set-$i.log" extra=()
    if [ "$i" = 1 ]; then extra=("$@"); fi
    java -jar "$JAR" worker --port 0 --threads 1 --id "$set-$i" "${extra[@]}" > "$log" 2>&1 &
    PIDS+=($!)
    local url=""
    for _ in $(seq 300); do
      url=$(sed -n 's/.* listening on \(http:[^ ]*\).*/\1/p' "$log")
      [ -n "$url" ] && break
      sleep 0.1
    done
    if [ -z "$url" ]; then
      echo "worker $set-$i did not start:" >&2
      cat "$log" >&2
      exit 1
    fi
    curl -fs "$url/health" > /dev/null
    urls+=("$url")
    upstream="$upstream    server ${url#http://};"$'\n'
  done
  printf -v "${set}_URLS" '%s' "$(IFS=,; echo "${urls[*]}")"
  printf -v "${set}_UPSTREAM" '%s' "$upstream"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start_nginx SET...: one nginx (1 worker process, least_conn, keep-alive to the workers) with a
# port per worker set, in NGINX_URL_<SET>; NGINX=0 when nginx is not installed.
start_nginx() {
  NGINX=0
  if ! command -v nginx > /dev/null 2>&1; then
    echo "nginx is not installed: its runs are skipped (apt-get install -y nginx)." >&2
    return
  fi
  NGINX=1
  mkdir -p "$WORK/nginx"
  local servers="" set port upstreams=""
  for set in "$@"; do
    local up="${set}_UPSTREAM"
    port=$(free_port)
    printf -v "NGINX_URL_${set}" '%s' "http://127.0.0.1:$port"
    upstreams="$upstreams  upstream $set {
    least_conn;
${!up}    keepalive 16;
  }
"
    servers="$servers  server {
    listen 127.0.0.1:$port;
    location / {
      proxy_pass http://$set;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
      proxy_buffering off;
    }
  }
"
  done
  cat > "$WORK/nginx/nginx.conf" << CONF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx;
  proxy_temp_path $WORK/nginx;
  fastcgi_temp_path $WORK/nginx;
  uwsgi_temp_path $WORK/nginx;
  scgi_temp_path $WORK/nginx;
$upstreams$servers}
CONF
  nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" &
  PIDS+=($!)
  for set in "$@"; do
    local u="NGINX_URL_${set}"
    for _ in $(seq 100); do curl -fs "${!u}/health" > /dev/null && break; sleep 0.1; done
  done
}

# render NAME ARGS...: one render JVM; appends the last render's wall ms to $WORK/NAME.wall and
# the client's CPU ms per tile over the second half of the renders to $WORK/NAME.cpu (the whole
# process) and $WORK/NAME.app (its Java threads: without the JIT compiler and the collector).
render() {
  local name=$1
  shift
  local out
  out=$(java -jar "$JAR" render --quiet --out "$WORK/img.png" --width "$SIZE" --height "$SIZE" \
    --max-iter "$MAX_ITER" --repeat "$REPEAT" "$@")
  echo "$out" | sed -n 's/^time: \([0-9]*\) ms render.*/\1/p' >> "$WORK/$name.wall"
  echo "$out" | sed -n 's/^cpu: .*; [0-9]* ms process CPU, \([0-9.]*\) ms per tile$/\1/p' \
    >> "$WORK/$name.cpu"
  echo "$out" | sed -n 's/^cpu: .* application threads, \([0-9.]*\) ms per tile;.*/\1/p' \
    >> "$WORK/$name.app"
  if [ "${VERBOSE:-0}" = 1 ]; then echo "== $name" >&2; echo "$out" >&2; fi
}

# lb4j NAME SET PICKER ARGS...: the render client straight on a worker set's 4 workers.
lb4j() {
  local name=$1 set=$2 picker=$3
  shift 3
  local urls="${set}_URLS"
  render "$name" --worker-urls "${!urls}" --picker "$picker" "$@"
}

# through_nginx NAME SET ARGS...: the same client through nginx, 8 tiles in flight (2 per worker).
through_nginx() {
  local name=$1 set=$2
  shift 2
  [ "$NGINX" = 1 ] || return 0
  local url="NGINX_URL_${set}"
  render "$name" --worker-urls "${!url}" --per-worker 8 "$@"
}

median() {
  [ -s "$WORK/$1" ] || { echo "-"; return; }
  sort -g "$WORK/$1" | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'
}

# ratio A B: the median over rounds of A/B, each round's A against the same round's B.
ratio() {
  if [ ! -s "$WORK/$1" ] || [ ! -s "$WORK/$2" ]; then echo "-"; return; fi
  paste "$WORK/$1" "$WORK/$2" | awk '$2 > 0 {print $1 / $2}' | sort -g |
    awk '{a[NR]=$1} END {if (NR == 0) print "-"; else if (NR % 2) printf "%.3f\n", a[(NR+1)/2];
      else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'
}

# table BASE NAMES...: median wall, its per-round ratio to BASE's wall, median client CPU per tile.
table() {
  local base=$1
  shift
  printf '| %-36s | %9s | %9s | %13s | %13s |\n' "run" "wall ms" "× $base" "CPU ms/tile" \
    "app CPU ms/tile"
  printf '| %-36s | %9s | %9s | %13s | %13s |\n' "---" "---:" "---:" "---:" "---:"
  local n
  for n in "$@"; do
    [ -s "$WORK/$n.wall" ] || continue
    printf '| %-36s | %9s | %9s | %13s | %13s |\n' "$n" "$(median "$n.wall")" \
      "$(ratio "$n.wall" "$base.wall")" "$(median "$n.cpu")" "$(median "$n.app")"
  done
}

# verdict LABEL VALUE OP LIMIT: one line of the targets, "met" when VALUE OP LIMIT holds.
verdict() {
  local label=$1 value=$2 op=$3 limit=$4 result="not measured"
  if [ "$value" != "-" ] && [ -n "$value" ]; then
    result=$(awk -v v="$value" -v l="$limit" -v op="$op" \
      'BEGIN {ok = (op == "<=") ? (v <= l) : (v >= l); print (ok ? "met" : "NOT met")}')
  fi
  printf '| %-64s | %9s | %-4s %-6s | %-12s |\n' "$label" "$value" "$op" "$limit" "$result"
}

start_workers hom 4
start_workers slow 4 --slow 4 --slow-mode spin
start_nginx hom slow

# One round: every run once, in a fixed order.
round() {
  local t p
  for t in "${TILES[@]}"; do
    render "local-t$t" --local --tile "$t"
    for p in "${LB4J_PICKERS[@]}"; do
      lb4j "$p-t$t" hom "$p" --tile "$t"
    done
    lb4j "least-connection-hedge-none-t$t" hom least-connection --tile "$t" --hedge none
    through_nginx "nginx-least_conn-t$t" hom --tile "$t"
    for p in "${LB4J_PICKERS[@]}"; do
      lb4j "$p-slow-t$t" slow "$p" --tile "$t"
    done
    through_nginx "nginx-least_conn-slow-t$t" slow --tile "$t"
  done
  MAX_ITER=$SKEW_MAX_ITER render local-skew --local --tile 128
  MAX_ITER=$SKEW_MAX_ITER lb4j least-connection-skew hom least-connection --tile 128
  MAX_ITER=$SKEW_MAX_ITER lb4j least-connection-skew-slow slow least-connection --tile 128
  MAX_ITER=$SKEW_MAX_ITER lb4j reported-load-skew-slow slow reported-load --tile 128
  MAX_ITER=$SKEW_MAX_ITER through_nginx nginx-least_conn-skew-slow slow --tile 128
  lb4j least-connection-deep hom least-connection --tile 256 --per-worker "$DEEP"
  for p in least-connection peak-ewma reported-load; do
    lb4j "$p-deep-slow" slow "$p" --tile 256 --per-worker "$DEEP"
  done
}

for r in $(seq "$ROUNDS"); do
  echo "round $r/$ROUNDS" >&2
  round
done

# The warmed runs, in rounds of their own: hedging on and off, interleaved.
for r in $(seq "$WARM_ROUNDS"); do
  echo "warmed round $r/$WARM_ROUNDS" >&2
  REPEAT=$WARM_REPEAT lb4j warm-least-connection-t128 hom least-connection --tile 128
  REPEAT=$WARM_REPEAT lb4j warm-least-connection-hedge-none-t128 hom least-connection --tile 128 \
    --hedge none
done

echo "# Render benchmark: ${SIZE}x${SIZE}, max-iter $MAX_ITER (skewed: $SKEW_MAX_ITER), $ROUNDS" \
  "interleaved rounds, $REPEAT renders per JVM (wall: the last; CPU: the second half)," \
  "$(nproc) cores, nginx $([ "$NGINX" = 1 ] && nginx -v 2>&1 | sed 's/.*\///' || echo 'not installed')"
for t in "${TILES[@]}"; do
  names=()
  for p in "${LB4J_PICKERS[@]}"; do names+=("$p-t$t"); done
  echo
  echo "## 4 identical worker processes, tile $t"
  echo
  table "local-t$t" "local-t$t" "${names[@]}" "least-connection-hedge-none-t$t" "nginx-least_conn-t$t"
  names=()
  for p in "${LB4J_PICKERS[@]}"; do names+=("$p-slow-t$t"); done
  echo
  echo "## One of 4 workers --slow 4 --slow-mode spin, tile $t (ratio to nginx least_conn, same round)"
  echo
  table "nginx-least_conn-slow-t$t" "${names[@]}" "nginx-least_conn-slow-t$t"
  echo
  echo "Slow set against the homogeneous set, same picker, same round (wall):"
  echo
  for p in "${LB4J_PICKERS[@]}"; do
    echo "- $p: $(ratio "$p-slow-t$t.wall" "$p-t$t.wall")×"
  done
done
echo
echo "## Skewed tile costs (max-iter $SKEW_MAX_ITER), tile 128"
echo
table least-connection-skew-slow local-skew least-connection-skew least-connection-skew-slow \
  reported-load-skew-slow nginx-least_conn-skew-slow

echo
echo "## Deep pipeline: tile 256, --per-worker $DEEP (ratio to least-connection on the slow set)"
echo
table least-connection-deep-slow least-connection-deep least-connection-deep-slow \
  peak-ewma-deep-slow reported-load-deep-slow

echo
echo "## Warmed: $WARM_REPEAT renders per JVM, CPU over the second half, tile 128, 4 identical workers"
echo
table warm-least-connection-hedge-none-t128 warm-least-connection-t128 \
  warm-least-connection-hedge-none-t128

if [ "$FLOOR" = 1 ]; then
  echo
  echo "## The floor: one bare HTTP exchange of the same 32 KiB tile, 8 in flight, no lb4j, no checks"
  echo
  java -cp "$WORK/floor.jar" io.github.lb4j.benchmarks.HttpFloor "$hom_URLS" 8 "$FLOOR_BLOCKS" \
    "$FLOOR_CALLS"
fi

echo
echo "## Against the targets"
echo
printf '| %-64s | %9s | %-11s | %-12s |\n' "target" "measured" "limit" "verdict"
printf '| %-64s | %9s | %-11s | %-12s |\n' "---" "---:" "---" "---"
verdict "client CPU ms per warmed 128² tile (least-connection, 4 workers)" \
  "$(median warm-least-connection-t128.cpu)" "<=" 0.15
verdict "the same, its Java threads only (no JIT compiler, no collector)" \
  "$(median warm-least-connection-t128.app)" "<=" 0.15
verdict "hedging on / off, client CPU per warmed tile, identical workers, tile 128" \
  "$(ratio warm-least-connection-t128.cpu warm-least-connection-hedge-none-t128.cpu)" "<=" 1.03
for t in "${TILES[@]}"; do
  hedge=$(ratio "least-connection-t$t.cpu" "least-connection-hedge-none-t$t.cpu")
  verdict "hedging on / off, client CPU per tile, identical workers, tile $t" "$hedge" "<=" 1.03
  verdict "slow / homogeneous wall, least-connection, tile $t" \
    "$(ratio "least-connection-slow-t$t.wall" "least-connection-t$t.wall")" "<=" 1.10
  verdict "slow: least-connection / nginx least_conn wall, tile $t" \
    "$(ratio "least-connection-slow-t$t.wall" "nginx-least_conn-slow-t$t.wall")" "<=" 1.00
  verdict "slow: reported-load / least-connection wall, tile $t" \
    "$(ratio "reported-load-slow-t$t.wall" "least-connection-slow-t$t.wall")" "<=" 1.00
done
verdict "skewed + slow: reported-load / least-connection wall" \
  "$(ratio reported-load-skew-slow.wall least-connection-skew-slow.wall)" "<=" 1.00
verdict "deep + slow: reported-load / least-connection wall" \
  "$(ratio reported-load-deep-slow.wall least-connection-deep-slow.wall)" "<=" 1.00

# The proxy command (lb4j least-connection) against nginx least_conn over the same 4 workers:
# wall, CPU per request and p99 per tile, in scripts/bench-proxy.sh; PROXY=1 runs it here as well.
if [ "${PROXY:-0}" = 1 ]; then
  echo
  ROUNDS=$ROUNDS REPEAT=$REPEAT SIZE=$SIZE MAX_ITER=$MAX_ITER scripts/bench-proxy.sh
fi
