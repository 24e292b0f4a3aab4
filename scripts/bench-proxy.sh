#!/usr/bin/env bash
# Benchmarks the example's reverse proxy (the proxy command, lb4j least-connection) against nginx
# least_conn in front of the same 4 worker processes: a render through each proxy, interleaved,
# with per proxy the median render wall time, the proxy's CPU time per request (from /proc, all of
# its processes) and the median over rounds of the p99 of the per-tile request time that the proxy
# logs itself (nginx's $request_time and the same measure in the proxy's --access-log).
#
# Usage: scripts/bench-proxy.sh   (environment: ROUNDS=5 interleaved rounds, REPEAT=3 renders per
#        JVM of which the last is measured, SIZE=2048, MAX_ITER=1000, TILE=128, PER_WORKER=2 tiles
#        in flight per worker, VERBOSE=1 to print each run)
# Needs: java 17+, curl, python3 (free ports), nginx (e.g. apt-get install -y nginx; without it
#        only the lb4j proxy is measured). Builds the example jar with the Maven Wrapper if missing.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-5}
REPEAT=${REPEAT:-3}
SIZE=${SIZE:-2048}
MAX_ITER=${MAX_ITER:-1000}
TILE=${TILE:-128}
PER_WORKER=${PER_WORKER:-2}
WORKERS=4
JAR=lb-mandelbrot-example/target/lb4j-mandelbrot.jar
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

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
await_ok() {
  for _ in $(seq 300); do curl -fs "$1" >/dev/null && return 0; sleep 0.1; done
  echo "no answer from $1" >&2
  return 1
}
# cpu_ticks PID...: user + system clock ticks of the processes so far.
cpu_ticks() {
  local t=0 pid
  for pid in "$@"; do
    t=$((t + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$t"
}
median() {
  sort -n "$1" | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'
}

# Workers compute only for holders of their token: a fresh one, which render reads from LB4J_TOKEN.
LB4J_TOKEN=$(head -c 32 /dev/urandom | base64 | tr -d '\n/+=')
export LB4J_TOKEN
URLS=()
UPSTREAM=""
for i in $(seq "$WORKERS"); do
  port=$(free_port)
  java -jar "$JAR" worker --port "$port" --threads 1 --id "worker-$i" > "$WORK/worker-$i.log" 2>&1 &
  PIDS+=($!)
  URLS+=("http://127.0.0.1:$port")
  UPSTREAM="$UPSTREAM    server 127.0.0.1:$port;"$'\n'
done
for u in "${URLS[@]}"; do await_ok "$u/health"; done
ALL=$(IFS=,; echo "${URLS[*]}")

PROXIES=(lb4j-proxy)
LB4J_PORT=$(free_port)
java -jar "$JAR" proxy --port "$LB4J_PORT" --upstreams "$ALL" --picker least-connection \
  --access-log "$WORK/lb4j-proxy.access" > "$WORK/proxy.log" 2>&1 &
LB4J_PID=$!
PIDS+=($LB4J_PID)
await_ok "http://127.0.0.1:$LB4J_PORT/_lb/status"

NGINX_PIDS=()
if command -v nginx >/dev/null 2>&1; then
  NGINX_PORT=$(free_port)
  mkdir -p "$WORK/nginx"
  cat > "$WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
  log_format bench '\$request_time \$status \$request_method \$request_uri';
  access_log $WORK/nginx-least_conn.access bench;
  client_body_temp_path $WORK/nginx;
  proxy_temp_path $WORK/nginx;
  fastcgi_temp_path $WORK/nginx;
  uwsgi_temp_path $WORK/nginx;
  scgi_temp_path $WORK/nginx;
  upstream workers {
    least_conn;
$UPSTREAM    keepalive 64;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://workers;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_read_timeout 30s;
    }
  }
}
CONF
  nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" &
  PIDS+=($!)
  await_ok "http://127.0.0.1:$NGINX_PORT/health"
  # The master and its worker process.
  NGINX_MASTER=$(cat "$WORK/nginx/nginx.pid")
  NGINX_PIDS=("$NGINX_MASTER" $(pgrep -P "$NGINX_MASTER"))
  PROXIES+=(nginx-least_conn)
else
  echo "nginx is not installed: only the lb4j proxy is measured (apt-get install -y nginx to compare)." >&2
fi

port_of() { if [ "$1" = lb4j-proxy ]; then echo "$LB4J_PORT"; else echo "$NGINX_PORT"; fi; }
pids_of() { if [ "$1" = lb4j-proxy ]; then echo "$LB4J_PID"; else echo "${NGINX_PIDS[*]}"; fi; }

# measure NAME: one render through the proxy; appends wall ms, CPU ms per request and p99 ms.
measure() {
  local name=$1 log="$WORK/$1.access" out before after lines0 lines1 requests
  for _ in $(seq $((REPEAT - 1))); do # warm-up renders, not measured
    java -jar "$JAR" render --quiet --out "$WORK/img.png" --width "$SIZE" --height "$SIZE" \
      --max-iter "$MAX_ITER" --tile "$TILE" --worker-urls "http://127.0.0.1:$(port_of "$name")" \
      --per-worker $((PER_WORKER * WORKERS)) > /dev/null
  done
  lines0=$(wc -l < "$log")
  # shellcheck disable=SC2046
  before=$(cpu_ticks $(pids_of "$name"))
  out=$(java -jar "$JAR" render --quiet --out "$WORK/img.png" --width "$SIZE" --height "$SIZE" \
    --max-iter "$MAX_ITER" --tile "$TILE" --worker-urls "http://127.0.0.1:$(port_of "$name")" \
    --per-worker $((PER_WORKER * WORKERS)))
  # shellcheck disable=SC2046
  after=$(cpu_ticks $(pids_of "$name"))
  lines1=$(wc -l < "$log")
  if [ "${VERBOSE:-0}" = 1 ]; then echo "$out" >&2; fi
  requests=$((lines1 - lines0))
  echo "$out" | sed -n 's/^time: \([0-9]*\) ms render.*/\1/p' >> "$WORK/$name.wall"
  awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="$requests" \
    'BEGIN {printf "%.3f\n", t * 1000 / hz / (n > 0 ? n : 1)}' >> "$WORK/$name.cpu"
  tail -n +$((lines0 + 1)) "$log" | head -n "$requests" | awk '$4 ~ /^\/tile/ {print $1 * 1000}' \
    | sort -n | awk '{a[NR]=$1} END {i=int(NR*0.99); if (i < 1) i=1; print a[i]}' >> "$WORK/$name.p99"
  echo "$requests" >> "$WORK/$name.requests"
}

touch "$WORK/lb4j-proxy.access" "$WORK/nginx-least_conn.access"
echo "# Proxy benchmark: ${SIZE}x${SIZE}, max-iter $MAX_ITER, tile $TILE, $WORKERS workers (1 thread" \
  "each), $((PER_WORKER * WORKERS)) tiles in flight, $ROUNDS interleaved rounds, $(nproc) cores"
echo
for r in $(seq "$ROUNDS"); do
  echo "round $r/$ROUNDS" >&2
  for p in "${PROXIES[@]}"; do measure "$p"; done
done
printf '| %-18s | %12s | %14s | %16s | %9s |\n' proxy "wall ms" "CPU ms/request" "p99 tile ms" requests
printf '| %-18s | %12s | %14s | %16s | %9s |\n' --- ---: ---: ---: ---:
for p in "${PROXIES[@]}"; do
  printf '| %-18s | %12s | %14s | %16s | %9s |\n' "$p" "$(median "$WORK/$p.wall")" \
    "$(median "$WORK/$p.cpu")" "$(median "$WORK/$p.p99")" "$(median "$WORK/$p.requests")"
done
