#!/usr/bin/env bash
# Benchmarks the Mandelbrot example: a 2048x2048 render at max-iter 1000 with 4 local workers per
# picker against the in-process (--local) render, interleaved, medians and the distributed/local
# ratio; the same with one worker slowed 4x at tiles of 128 and 256; optionally nginx least_conn in
# front of 4 worker processes against lb4j least-connection over the same workers.
#
# Usage: scripts/bench-render.sh   (environment: ROUNDS=5 interleaved rounds, REPEAT=3 renders per
#        JVM of which the last is measured, SIZE=2048, MAX_ITER=1000, VERBOSE=1 to print each run)
# Needs: java 17+, curl for the nginx part. Builds the example jar with the Maven Wrapper if missing.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-5}
REPEAT=${REPEAT:-3} # renders per process; the last, warmed-up one is measured
SIZE=${SIZE:-2048}
MAX_ITER=${MAX_ITER:-1000}
JAR=lb-mandelbrot-example/target/lb4j-mandelbrot.jar
PICKERS=(round-robin least-connection peak-ewma consistent-hash random)
WORK=$(mktemp -d)
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
cp "$JAR" "$WORK/bench.jar" # a rebuild during the run must not change the jar under it
JAR=$WORK/bench.jar

# render NAME ARGS...: one render; appends its render time in ms to $WORK/NAME.
render() {
  local name=$1
  shift
  local out
  out=$(java -jar "$JAR" render --quiet --out "$WORK/img.png" --width "$SIZE" --height "$SIZE" \
    --max-iter "$MAX_ITER" --repeat "$REPEAT" "$@")
  echo "$out" | sed -n 's/^time: \([0-9]*\) ms render.*/\1/p' >> "$WORK/$name"
  if [ "${VERBOSE:-0}" = 1 ]; then echo "$out" >&2; fi
}

median() {
  sort -n "$WORK/$1" | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'
}

# table BASELINE NAMES...: median of each and its ratio to the baseline's median.
table() {
  local base
  base=$(median "$1")
  printf '| %-34s | %10s | %8s |\n' "run" "median ms" "ratio"
  printf '| %-34s | %10s | %8s |\n' "---" "---:" "---:"
  for n in "$@"; do
    local m
    m=$(median "$n")
    printf '| %-34s | %10s | %8s |\n' "$n" "$m" "$(awk -v m="$m" -v b="$base" 'BEGIN {printf "%.2f", m / b}')"
  done
}

echo "# Render benchmark: ${SIZE}x${SIZE}, max-iter $MAX_ITER, $ROUNDS interleaved rounds," \
  "render $REPEAT of $REPEAT in each JVM, $(nproc) cores"
echo
echo "## 4 local workers (1 thread each) per picker vs --local ($(nproc) threads), tile 128"
for r in $(seq "$ROUNDS"); do
  echo "round $r/$ROUNDS" >&2
  render local --local --tile 128
  for p in "${PICKERS[@]}"; do
    render "$p" --workers 4 --picker "$p" --tile 128
  done
done
table local "${PICKERS[@]}"

for tile in 128 256; do
  echo
  echo "## One of 4 workers slowed 4x, tile $tile (ratio to --local)"
  names=()
  for r in $(seq "$ROUNDS"); do
    echo "slow, tile $tile, round $r/$ROUNDS" >&2
    render "local-t$tile" --local --tile "$tile"
    for p in "${PICKERS[@]}"; do
      render "$p-slow-t$tile" --workers 4 --slow-workers 1 --slow 4 --picker "$p" --tile "$tile"
    done
  done
  for p in "${PICKERS[@]}"; do names+=("$p-slow-t$tile"); done
  table "local-t$tile" "${names[@]}"
done

echo
echo "## nginx least_conn vs lb4j least-connection over 4 worker processes, tile 128"
if ! command -v nginx >/dev/null 2>&1; then
  echo "nginx is not installed: skipped (install it, e.g. apt-get install nginx-light, to compare)."
  exit 0
fi
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
# Workers compute only for holders of their token: a fresh one, which render reads from LB4J_TOKEN.
LB4J_TOKEN=$(head -c 32 /dev/urandom | base64 | tr -d '\n/+=')
export LB4J_TOKEN
URLS=()
UPSTREAM=""
for i in 1 2 3 4; do
  port=$(free_port)
  java -jar "$JAR" worker --port "$port" --threads 1 --id "worker-$i" > "$WORK/worker-$i.log" 2>&1 &
  PIDS+=($!)
  URLS+=("http://127.0.0.1:$port")
  UPSTREAM="$UPSTREAM    server 127.0.0.1:$port;"$'\n'
done
for u in "${URLS[@]}"; do
  for _ in $(seq 100); do curl -fs "$u/health" >/dev/null && break; sleep 0.1; done
done
NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx"
cat > "$WORK/nginx/nginx.conf" <<CONF
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
  upstream workers {
    least_conn;
$UPSTREAM    keepalive 16;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://workers;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
CONF
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" &
PIDS+=($!)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$NGINX_PORT/health" >/dev/null && break; sleep 0.1; done
ALL=$(IFS=,; echo "${URLS[*]}")
for r in $(seq "$ROUNDS"); do
  echo "nginx round $r/$ROUNDS" >&2
  render nginx-least_conn --worker-urls "http://127.0.0.1:$NGINX_PORT" --per-worker 8 --tile 128
  render lb4j-least-connection --worker-urls "$ALL" --picker least-connection --per-worker 2 --tile 128
done
table lb4j-least-connection nginx-least_conn

# The proxy command (lb4j least-connection) against nginx least_conn over the same 4 workers:
# wall, CPU per request and p99 per tile, in scripts/bench-proxy.sh; PROXY=1 runs it here as well.
if [ "${PROXY:-0}" = 1 ]; then
  echo
  ROUNDS=$ROUNDS REPEAT=$REPEAT SIZE=$SIZE MAX_ITER=$MAX_ITER scripts/bench-proxy.sh
fi
