#!/usr/bin/env bash
# End-to-end load benchmark: the balancer against HAProxy, on this machine, in one run.
#
# Starts 4 fast backends on 127.0.0.1, HAProxy (config/haproxy-bench.cfg) and the balancer
# (config/balancer-bench.yml) in front of the same 4, then measures direct-to-backend, HAProxy and
# balancer in alternating rounds with wrk (keep-alive, latency percentiles) and ab (a new connection
# per request). Each proxy is pinned to core 0, the load generator and the backends to the other
# cores. The same again over TLS: both proxies also listen with one self-signed certificate made
# for the run (openssl), and are measured with wrk and ab over https. And over cleartext HTTP/2
# with prior knowledge (h2c), measured with h2load: the balancer on its plain port, HAProxy on a
# frontend of its own (`proto h2`), to the same HTTP/1.1 backends, and once more with HTTP/2 (h2c)
# to the backends too (the balancer's route `backendProtocol: h2c`, HAProxy's `proto h2` servers,
# under /h2/; the same backend processes answer both protocols). Prints a table of medians
# with the ratios balancer/HAProxy and balancer/direct, measures the balancer's RSS with 1,000 idle
# client connections, and rewrites the results section of bench/README.md. Stops everything it
# started, by PID. Bounded: about 8 minutes.
#
#   bench/load.sh [--rounds N] [--duration SECONDS] [--no-readme] [--targets T1,T2,...]
#
# --targets measures only those targets (direct haproxy balancer haproxy_tls balancer_tls haproxy_ec
# balancer_ec direct_h2 haproxy_h2 balancer_h2 haproxy_h2h2 balancer_h2h2), prints their medians
# and leaves bench/README.md alone.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
ROUNDS=5
DURATION=5
WRITE_README=1
PARTIAL=0
ALL_TARGETS=(direct haproxy balancer haproxy_tls balancer_tls haproxy_ec balancer_ec
             direct_h2 haproxy_h2 balancer_h2 haproxy_h2h2 balancer_h2h2)
TARGETS=("${ALL_TARGETS[@]}")
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --no-readme) WRITE_README=0; shift ;;
    --targets) IFS=, read -r -a TARGETS <<<"$2"; PARTIAL=1; WRITE_README=0; shift 2 ;;
    *) echo "usage: bench/load.sh [--rounds N] [--duration SECONDS] [--no-readme] [--targets T1,T2,...]" >&2; exit 2 ;;
  esac
done
for target in "${TARGETS[@]}"; do
  [[ " ${ALL_TARGETS[*]} " == *" $target "* ]] \
    || { echo "bench/load.sh: unknown target $target (one of: ${ALL_TARGETS[*]})" >&2; exit 2; }
done

BACKEND_PORTS=(19001 19002 19003 19004)
HAPROXY_PORT=18081
BALANCER_PORT=18082
HAPROXY_TLS_PORT=18443
BALANCER_TLS_PORT=18444
HAPROXY_EC_PORT=18445
BALANCER_EC_PORT=18446
# The balancer takes HTTP/2 with prior knowledge on its plain port; HAProxy on a frontend of its own.
HAPROXY_H2_PORT=18083
CONNECTIONS=64
# HTTP/2: as many requests in flight as wrk's connections, multiplexed 8 to a connection.
H2_CONNECTIONS=8
H2_STREAMS=8
AB_REQUESTS=20000
AB_CONCURRENCY=32
# A TLS handshake per request costs the load generator as much as the proxy: fewer of them.
AB_TLS_REQUESTS=5000
IDLE_CONNECTIONS=1000
WORK=$(mktemp -d)
PIDS=()

log() { printf '%s\n' "$*" >&2; }

cleanup() {
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# --- tools ------------------------------------------------------------------------------------
missing=()
command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v ab >/dev/null 2>&1 || missing+=(apache2-utils)
command -v taskset >/dev/null 2>&1 || missing+=(util-linux)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v h2load >/dev/null 2>&1 || missing+=(nghttp2-client)
if [ ${#missing[@]} -gt 0 ]; then
  log "Installing ${missing[*]}"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
fi
if [ ! -f balancer/target/balancer.jar ] || [ ! -f bench/target/benchmarks.jar ] \
   || [ "$(unzip -l bench/target/benchmarks.jar 2>/dev/null | grep -c 'bench/load/Http2Answer.class')" = 0 ]; then
  log "Building the jars"
  mvn -B -q -pl balancer,bench -am package -DskipTests
fi

CORES=$(nproc)
if [ "$CORES" -ge 2 ]; then
  PROXY_CPU=0
  LOAD_CPU="1-$((CORES - 1))"
else
  PROXY_CPU=0
  LOAD_CPU=0
fi

for port in "${BACKEND_PORTS[@]}" $HAPROXY_PORT $BALANCER_PORT $HAPROXY_TLS_PORT $BALANCER_TLS_PORT \
            $HAPROXY_EC_PORT $BALANCER_EC_PORT $HAPROXY_H2_PORT; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    log "Port $port is already in use on 127.0.0.1; stop whatever listens there first."
    exit 1
  fi
done

await_port() { # port, what, pid, log[, scheme]
  for _ in $(seq 1 300); do
    if curl -s -k -o /dev/null "${5:-http}://127.0.0.1:$1/version"; then
      return 0
    fi
    if ! kill -0 "$3" 2>/dev/null; then
      log "$2 exited before answering on port $1:"; cat "$4" >&2; exit 1
    fi
    sleep 0.1
  done
  log "$2 did not answer on port $1"
  exit 1
}

# --- start everything -------------------------------------------------------------------------
taskset -c "$LOAD_CPU" java -Xmx256m -cp bench/target/benchmarks.jar io.canarybalancer.bench.load.FastBackend \
  "${BACKEND_PORTS[@]}" >"$WORK/backends.log" 2>&1 &
BACKENDS_PID=$!
PIDS+=($BACKENDS_PID)
for port in "${BACKEND_PORTS[@]}"; do await_port "$port" "the backends" $BACKENDS_PID "$WORK/backends.log"; done

# The same certificates for both proxies: RSA 2048, still the most common, and ECDSA P-256 (certbot's
# default since 2.0), each valid for the run's day.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$WORK/ec-key.pem" -out "$WORK/ec-cert.pem" 2>/dev/null
cat "$WORK/cert.pem" "$WORK/key.pem" >"$WORK/haproxy.pem"
cat "$WORK/ec-cert.pem" "$WORK/ec-key.pem" >"$WORK/haproxy-ec.pem"
cat "$WORK/cert.pem" "$WORK/ec-cert.pem" >"$WORK/ca.pem"
# The TLS front ends, beside the plain ones of the same processes, routing the same way.
cat >"$WORK/haproxy-tls.cfg" <<TLS
frontend balancer_tls
    bind 127.0.0.1:$HAPROXY_TLS_PORT ssl crt $WORK/haproxy.pem alpn http/1.1 ssl-min-ver TLSv1.2
    acl canary_flag req.hdr(X-Canary) -m found
    use_backend canary if canary_flag
    default_backend all
frontend balancer_ec
    bind 127.0.0.1:$HAPROXY_EC_PORT ssl crt $WORK/haproxy-ec.pem alpn http/1.1 ssl-min-ver TLSv1.2
    acl canary_flag req.hdr(X-Canary) -m found
    use_backend canary if canary_flag
    default_backend all
TLS
# Cleartext HTTP/2 with prior knowledge to HAProxy, routing the same way to the same servers: over
# HTTP/1.1, and under /h2/ over HTTP/2 (h2c) as well.
cat >"$WORK/haproxy-h2.cfg" <<H2
frontend balancer_h2
    bind 127.0.0.1:$HAPROXY_H2_PORT proto h2
    acl canary_flag req.hdr(X-Canary) -m found
    acl h2_backends path_beg /h2/
    use_backend canary_h2 if canary_flag h2_backends
    use_backend all_h2 if h2_backends
    use_backend canary if canary_flag
    default_backend all

backend all_h2
    balance roundrobin
    http-response set-header X-Canary-Pool stable
    server stable-1 127.0.0.1:${BACKEND_PORTS[0]} proto h2
    server stable-2 127.0.0.1:${BACKEND_PORTS[1]} proto h2
    server stable-3 127.0.0.1:${BACKEND_PORTS[2]} proto h2
    server canary-1 127.0.0.1:${BACKEND_PORTS[3]} proto h2

backend canary_h2
    http-response set-header X-Canary-Pool canary
    server canary-1 127.0.0.1:${BACKEND_PORTS[3]} proto h2
H2
sed -e "s|^listen: .*|listen:\n  - 127.0.0.1:$BALANCER_PORT\n  - {address: 127.0.0.1:$BALANCER_TLS_PORT, tls: {cert: cert.pem, key: key.pem}}\n  - {address: 127.0.0.1:$BALANCER_EC_PORT, tls: {cert: ec-cert.pem, key: ec-key.pem}}|" \
    -e "s|file: balancer-bench-replicas.yml|file: $ROOT/config/balancer-bench-replicas.yml|" \
    config/balancer-bench.yml >"$WORK/balancer-bench.yml"
cat >>"$WORK/balancer-bench.yml" <<ROUTES
routes:
  - {name: h2-backends, pathPrefix: /h2/, backendProtocol: h2c}
  - {name: all, pathPrefix: /}
ROUTES

taskset -c "$PROXY_CPU" haproxy -db -f config/haproxy-bench.cfg -f "$WORK/haproxy-tls.cfg" -f "$WORK/haproxy-h2.cfg" >"$WORK/haproxy.log" 2>&1 &
HAPROXY_PID=$!
PIDS+=($HAPROXY_PID)
await_port $HAPROXY_PORT "HAProxy" $HAPROXY_PID "$WORK/haproxy.log"
await_port $HAPROXY_TLS_PORT "HAProxy" $HAPROXY_PID "$WORK/haproxy.log" https

taskset -c "$PROXY_CPU" java -Xmx128m -XX:+UseSerialGC -jar balancer/target/balancer.jar \
  --config "$WORK/balancer-bench.yml" >"$WORK/balancer.log" 2>&1 &
BALANCER_PID=$!
PIDS+=($BALANCER_PID)
await_port $BALANCER_PORT "the balancer" $BALANCER_PID "$WORK/balancer.log"
await_port $BALANCER_TLS_PORT "the balancer" $BALANCER_PID "$WORK/balancer.log" https

# Both proxies must route the same way before anything is measured, in the protocol measured.
declare -A TARGET_URL=([direct]=http://127.0.0.1:${BACKEND_PORTS[0]}/version
                       [haproxy]=http://127.0.0.1:$HAPROXY_PORT/version [balancer]=http://127.0.0.1:$BALANCER_PORT/version
                       [haproxy_tls]=https://127.0.0.1:$HAPROXY_TLS_PORT/version
                       [balancer_tls]=https://127.0.0.1:$BALANCER_TLS_PORT/version
                       [haproxy_ec]=https://127.0.0.1:$HAPROXY_EC_PORT/version
                       [balancer_ec]=https://127.0.0.1:$BALANCER_EC_PORT/version
                       [haproxy_h2]=http://127.0.0.1:$HAPROXY_H2_PORT/version
                       [balancer_h2]=http://127.0.0.1:$BALANCER_PORT/version
                       [direct_h2]=http://127.0.0.1:${BACKEND_PORTS[0]}/version
                       [haproxy_h2h2]=http://127.0.0.1:$HAPROXY_H2_PORT/h2/version
                       [balancer_h2h2]=http://127.0.0.1:$BALANCER_PORT/h2/version)
is_h2() { [[ $1 == *_h2 || $1 == *_h2h2 ]]; }
for target in "${TARGETS[@]}"; do
  [[ $target == direct* ]] && continue
  url=${TARGET_URL[$target]}
  version=(--http1.1)
  is_h2 "$target" && version=(--http2-prior-knowledge)
  answer=$(curl -s "${version[@]}" --cacert "$WORK/ca.pem" -D - -o /dev/null -H 'X-Canary: 1' "$url" | tr -d '\r')
  pool=$(awk -F': ' 'tolower($1)=="x-canary-pool" {print $2}' <<<"$answer")
  [ "$pool" = canary ] || { log "$url ($target) did not route the flagged request to the canary:"; log "$answer"; exit 1; }
  if is_h2 "$target" && [[ $answer != "HTTP/2 "* ]]; then
    log "$url did not answer HTTP/2 with prior knowledge:"; log "$answer"; exit 1
  fi
done

# --- measurement helpers ----------------------------------------------------------------------
to_ms() { # "1.23ms" | "845.00us" | "1.02s" -> milliseconds
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
    else { printf "%.3f", v } }'
}

run_wrk() { # port[, scheme] -> "rps p50 p99"
  local out
  out=$(taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency "${2:-http}://127.0.0.1:$1/version")
  if grep -q "Non-2xx\|Socket errors" <<<"$out"; then
    log "wrk saw errors on port $1:"; log "$out"; exit 1
  fi
  local rps p50 p99
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p50=$(to_ms "$(awk '$1=="50%" {print $2}' <<<"$out")")
  p99=$(to_ms "$(awk '$1=="99%" {print $2}' <<<"$out")")
  echo "$rps $p50 $p99"
}

run_ab() { # port[, scheme, requests] -> rps
  local out
  out=$(taskset -c "$LOAD_CPU" ab -q -n "${3:-$AB_REQUESTS}" -c "$AB_CONCURRENCY" "${2:-http}://127.0.0.1:$1/version" 2>&1)
  if ! grep -q "^Failed requests: *0" <<<"$out" || grep -q "Non-2xx" <<<"$out"; then
    log "ab saw failures on port $1:"; log "$out"; exit 1
  fi
  awk '/^Requests per second:/ {print $4}' <<<"$out"
}

run_h2load() { # url -> "rps p50 p99": h2c with prior knowledge, percentiles from the per-request log
  local out
  out=$(taskset -c "$LOAD_CPU" h2load -c"$H2_CONNECTIONS" -m"$H2_STREAMS" -D"$DURATION" --log-file="$WORK/h2load.log" "$1")
  # h2load prints only min/max/mean/sd of its latencies; each row of its log is
  # start (us since epoch), status, microseconds until the end of the response.
  if ! grep -q "^Application protocol: h2c" <<<"$out" \
     || ! grep -q " 0 failed, 0 errored, 0 timeout" <<<"$out" \
     || ! grep -q "^status codes: [0-9]* 2xx, 0 3xx, 0 4xx, 0 5xx" <<<"$out"; then
    log "h2load saw errors on $1:"; log "$out"; exit 1
  fi
  local rps p50 p99
  rps=$(awk '/^finished in/ {print $4}' <<<"$out")
  read -r p50 p99 < <(awk -F'\t' '$2 == 200 {print $3}' "$WORK/h2load.log" | sort -n | awk '
    { v[NR] = $1 }
    END { i50 = int(NR * 0.50 + 0.999999); i99 = int(NR * 0.99 + 0.999999)
          printf "%.3f %.3f\n", v[i50] / 1000, v[i99] / 1000 }')
  rm -f "$WORK/h2load.log"
  echo "$rps $p50 $p99"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# --- warm-up (JIT), then alternating rounds -------------------------------------------------------
log "Warming up"
# The JVM compiles its hot paths in the first tens of seconds of load, on the one core it is pinned
# to; a balancer runs for days, so it is measured warm. HAProxy needs no warm-up but gets some too.
warm_up() { # target
  case "$1" in
    balancer)
      taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"$((DURATION * 4))s" "http://127.0.0.1:$BALANCER_PORT/version" >/dev/null
      taskset -c "$LOAD_CPU" ab -q -n "$AB_REQUESTS" -c "$AB_CONCURRENCY" "http://127.0.0.1:$BALANCER_PORT/version" >/dev/null 2>&1 ;;
    haproxy)
      taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d2s "http://127.0.0.1:$HAPROXY_PORT/version" >/dev/null ;;
    balancer_tls)
      taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"$((DURATION * 2))s" "https://127.0.0.1:$BALANCER_TLS_PORT/version" >/dev/null
      taskset -c "$LOAD_CPU" ab -q -n "$AB_TLS_REQUESTS" -c "$AB_CONCURRENCY" "https://127.0.0.1:$BALANCER_TLS_PORT/version" >/dev/null 2>&1 ;;
    balancer_ec)
      taskset -c "$LOAD_CPU" ab -q -n "$AB_TLS_REQUESTS" -c "$AB_CONCURRENCY" "https://127.0.0.1:$BALANCER_EC_PORT/version" >/dev/null 2>&1 ;;
    balancer_h2|balancer_h2h2)
      taskset -c "$LOAD_CPU" h2load -c"$H2_CONNECTIONS" -m"$H2_STREAMS" -D"$((DURATION * 2))" "${TARGET_URL[$1]}" >/dev/null ;;
    haproxy_h2|haproxy_h2h2)
      taskset -c "$LOAD_CPU" h2load -c"$H2_CONNECTIONS" -m"$H2_STREAMS" -D2 "${TARGET_URL[$1]}" >/dev/null ;;
  esac
}
for target in "${TARGETS[@]}"; do warm_up "$target"; done

declare -A TARGET_PORT=([direct]=${BACKEND_PORTS[0]} [haproxy]=$HAPROXY_PORT [balancer]=$BALANCER_PORT
                        [haproxy_tls]=$HAPROXY_TLS_PORT [balancer_tls]=$BALANCER_TLS_PORT
                        [haproxy_ec]=$HAPROXY_EC_PORT [balancer_ec]=$BALANCER_EC_PORT)
for round in $(seq 1 "$ROUNDS"); do
  for target in "${TARGETS[@]}"; do
    if is_h2 "$target"; then
      read -r rps p50 p99 <<<"$(run_h2load "${TARGET_URL[$target]}")"
      echo "$rps" >>"$WORK/$target.rps"
      echo "$p50" >>"$WORK/$target.p50"
      echo "$p99" >>"$WORK/$target.p99"
      log "round $round $target: h2load $rps req/s, p50 ${p50} ms, p99 ${p99} ms"
      continue
    elif [[ $target == *_ec ]]; then
      # Handshakes only: keep-alive over TLS costs the same whatever signed the certificate.
      ab_rps=$(run_ab "${TARGET_PORT[$target]}" https "$AB_TLS_REQUESTS")
      echo "$ab_rps" >>"$WORK/$target.ab"
      log "round $round $target: ab $ab_rps req/s"
      continue
    elif [[ $target == *_tls ]]; then
      read -r rps p50 p99 <<<"$(run_wrk "${TARGET_PORT[$target]}" https)"
      ab_rps=$(run_ab "${TARGET_PORT[$target]}" https "$AB_TLS_REQUESTS")
    else
      read -r rps p50 p99 <<<"$(run_wrk "${TARGET_PORT[$target]}")"
      ab_rps=$(run_ab "${TARGET_PORT[$target]}")
    fi
    echo "$rps" >>"$WORK/$target.rps"
    echo "$p50" >>"$WORK/$target.p50"
    echo "$p99" >>"$WORK/$target.p99"
    echo "$ab_rps" >>"$WORK/$target.ab"
    log "round $round $target: keep-alive $rps req/s, p50 ${p50} ms, p99 ${p99} ms; ab $ab_rps req/s"
  done
done

median_of() { # target kind -> the median, or nothing when the target had no such measurement
  [ -f "$WORK/$1.$2" ] && median <"$WORK/$1.$2" || true
}
if [ "$PARTIAL" = 1 ]; then
  printf '\n| target | req/s | p50 ms | p99 ms | ab req/s |\n|---|---|---|---|---|\n'
  for target in "${TARGETS[@]}"; do
    printf '| %s | %s | %s | %s | %s |\n' "$target" "$(median_of "$target" rps)" "$(median_of "$target" p50)" \
      "$(median_of "$target" p99)" "$(median_of "$target" ab)"
  done
  exit 0
fi

# --- memory with idle client connections --------------------------------------------------------
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
hold_idle() { # port -> RSS of the proxy listening there, with IDLE_CONNECTIONS idle clients
  local pid=$2 fifo="$WORK/idle-$1"
  mkfifo "$fifo"
  java -cp bench/target/benchmarks.jar io.canarybalancer.bench.load.IdleConnections 127.0.0.1 "$1" \
    "$IDLE_CONNECTIONS" <"$fifo" >"$WORK/idle-$1.out" 2>&1 &
  local holder=$!
  PIDS+=($holder)
  exec 4>"$fifo"
  for _ in $(seq 1 300); do
    grep -q "^open" "$WORK/idle-$1.out" 2>/dev/null && break
    kill -0 "$holder" 2>/dev/null || { log "could not open $IDLE_CONNECTIONS connections to $1"; cat "$WORK/idle-$1.out" >&2; exit 1; }
    sleep 0.1
  done
  local rss
  rss=$(rss_kib "$pid")
  exec 4>&-
  wait "$holder" 2>/dev/null || true
  echo "$rss"
}
BALANCER_IDLE_RSS=$(hold_idle $BALANCER_PORT $BALANCER_PID)
HAPROXY_IDLE_RSS=$(hold_idle $HAPROXY_PORT $HAPROXY_PID)

# --- report -------------------------------------------------------------------------------------
m() { median <"$WORK/$1.$2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
B_RPS=$(m balancer rps); H_RPS=$(m haproxy rps); D_RPS=$(m direct rps)
B_P50=$(m balancer p50); H_P50=$(m haproxy p50); D_P50=$(m direct p50)
B_P99=$(m balancer p99); H_P99=$(m haproxy p99); D_P99=$(m direct p99)
B_AB=$(m balancer ab); H_AB=$(m haproxy ab); D_AB=$(m direct ab)
BT_RPS=$(m balancer_tls rps); HT_RPS=$(m haproxy_tls rps)
BT_P50=$(m balancer_tls p50); HT_P50=$(m haproxy_tls p50)
BT_P99=$(m balancer_tls p99); HT_P99=$(m haproxy_tls p99)
BT_AB=$(m balancer_tls ab); HT_AB=$(m haproxy_tls ab)
BE_AB=$(m balancer_ec ab); HE_AB=$(m haproxy_ec ab)
B2_RPS=$(m balancer_h2 rps); H2_RPS=$(m haproxy_h2 rps)
B2_P50=$(m balancer_h2 p50); H2_P50=$(m haproxy_h2 p50)
B2_P99=$(m balancer_h2 p99); H2_P99=$(m haproxy_h2 p99)
D2_RPS=$(m direct_h2 rps); D2_P50=$(m direct_h2 p50); D2_P99=$(m direct_h2 p99)
B22_RPS=$(m balancer_h2h2 rps); H22_RPS=$(m haproxy_h2h2 rps)
B22_P50=$(m balancer_h2h2 p50); H22_P50=$(m haproxy_h2h2 p50)
B22_P99=$(m balancer_h2h2 p99); H22_P99=$(m haproxy_h2h2 p99)
H2LOAD_VERSION=$(h2load --version | sed 's|.*/||')
OPENSSL_VERSION=$(openssl version | awk '{print $2}')

CPU_MODEL=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
JAVA_VERSION=$(java -version 2>&1 | head -1)
HAPROXY_VERSION=$(haproxy -v | head -1 | awk '{print $3}')
REPORT=$(cat <<EOF
Measured $(date -u +%Y-%m-%d) by \`bench/load.sh\` ($ROUNDS alternating rounds, medians; wrk -t1 -c$CONNECTIONS -d${DURATION}s;
ab -n $AB_REQUESTS -c $AB_CONCURRENCY) on $CORES cores ($CPU_MODEL), $JAVA_VERSION, HAProxy $HAPROXY_VERSION.
Each proxy pinned to core $PROXY_CPU with one thread (HAProxy \`nbthread 1\`, balancer \`ioThreads: 1\`);
load generator and backends on cores $LOAD_CPU.

| ratio | value | target |
|---|---|---|
| throughput, keep-alive: balancer / HAProxy | $(ratio "$B_RPS" "$H_RPS") | >= 1.0 |
| p99 latency, keep-alive: balancer / HAProxy | $(ratio "$B_P99" "$H_P99") | <= 1.2 |
| throughput, new connection per request (ab): balancer / HAProxy | $(ratio "$B_AB" "$H_AB") | >= 1.0 |
| throughput, keep-alive: balancer / direct | $(ratio "$B_RPS" "$D_RPS") | |
| TLS throughput, keep-alive: balancer / HAProxy | $(ratio "$BT_RPS" "$HT_RPS") | >= 1.0 |
| TLS p99 latency, keep-alive: balancer / HAProxy | $(ratio "$BT_P99" "$HT_P99") | <= 1.2 |
| TLS throughput, a new connection and handshake per request (ab), RSA 2048: balancer / HAProxy | $(ratio "$BT_AB" "$HT_AB") | >= 1.0 |
| TLS throughput, a new connection and handshake per request (ab), ECDSA P-256: balancer / HAProxy | $(ratio "$BE_AB" "$HE_AB") | >= 1.0 |
| HTTP/2 (h2c) throughput, multiplexed: balancer / HAProxy | $(ratio "$B2_RPS" "$H2_RPS") | >= 1.0 |
| HTTP/2 (h2c) p99 latency, multiplexed: balancer / HAProxy | $(ratio "$B2_P99" "$H2_P99") | <= 1.2 |
| HTTP/2 (h2c) to HTTP/2 (h2c) backends, throughput: balancer / HAProxy | $(ratio "$B22_RPS" "$H22_RPS") | >= 1.0 |
| HTTP/2 (h2c) to HTTP/2 (h2c) backends, p99 latency: balancer / HAProxy | $(ratio "$B22_P99" "$H22_P99") | <= 1.2 |

| target | keep-alive req/s | p50 ms | p99 ms | ab req/s |
|---|---|---|---|---|
| direct to one backend | $D_RPS | $D_P50 | $D_P99 | $D_AB |
| HAProxy | $H_RPS | $H_P50 | $H_P99 | $H_AB |
| balancer | $B_RPS | $B_P50 | $B_P99 | $B_AB |
| HAProxy, TLS | $HT_RPS | $HT_P50 | $HT_P99 | $HT_AB |
| balancer, TLS | $BT_RPS | $BT_P50 | $BT_P99 | $BT_AB |
| HAProxy, TLS, ECDSA certificate | | | | $HE_AB |
| balancer, TLS, ECDSA certificate | | | | $BE_AB |
| direct to one backend, HTTP/2 (h2c) | $D2_RPS | $D2_P50 | $D2_P99 | |
| HAProxy, HTTP/2 (h2c) | $H2_RPS | $H2_P50 | $H2_P99 | |
| balancer, HTTP/2 (h2c) | $B2_RPS | $B2_P50 | $B2_P99 | |
| HAProxy, HTTP/2 (h2c) to HTTP/2 backends | $H22_RPS | $H22_P50 | $H22_P99 | |
| balancer, HTTP/2 (h2c) to HTTP/2 backends | $B22_RPS | $B22_P50 | $B22_P99 | |

TLS: the same self-signed certificates for both proxies (RSA 2048; the ECDSA P-256 rows only with ab);
wrk and ab (OpenSSL $OPENSSL_VERSION) negotiate TLS 1.3; ab over https makes $AB_TLS_REQUESTS requests a
round, each with a full handshake.

HTTP/2: h2load (nghttp2 $H2LOAD_VERSION) -c$H2_CONNECTIONS -m$H2_STREAMS -D$DURATION, cleartext with prior knowledge: the balancer
on its plain port, HAProxy on a frontend with \`proto h2\`; the backends are the same HTTP/1.1 servers
for both. In the rows "to HTTP/2 backends" both proxies speak h2c to the same servers too (the balancer's
route \`backendProtocol: h2c\`, HAProxy's servers \`proto h2\`). These rows' "keep-alive req/s" is
h2load's; p50 and p99 come from its per-request log.

RSS with $IDLE_CONNECTIONS idle client connections: balancer $((BALANCER_IDLE_RSS / 1024)) MiB (\`-Xmx128m -XX:+UseSerialGC\`),
HAProxy $((HAPROXY_IDLE_RSS / 1024)) MiB. Target: balancer under 256 MiB.
EOF
)
printf '%s\n' "$REPORT"

if [ "$WRITE_README" = 1 ]; then
  awk -v report="$REPORT" '
    /<!-- load-results:start -->/ { print; print report; skipping = 1; next }
    /<!-- load-results:end -->/ { skipping = 0 }
    !skipping { print }' bench/README.md >"$WORK/README.md"
  cp "$WORK/README.md" bench/README.md
  log "bench/README.md updated"
fi
