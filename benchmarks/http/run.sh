#!/usr/bin/env bash
# HTTP throughput of the pages, APIs and feeds of one `paperboy serve`, measured with wrk on this machine.
#
#   benchmarks/http/run.sh PATH/TO/paperboy [--duration 10] [--connections "16 64"] [--port 18080] [--threads 2]
#
# Builds nothing: pass the release binary (`swift build -c release`, then .build/release/paperboy). Starts
# `paperboy serve` on a fresh data folder (it imports the demo corpus), waits for /healthz, then runs wrk on
# every route at each connection count, one run after another, and prints per run: req/s, p50, p99, non-2xx,
# socket errors, the server's CPU per request (utime+stime from /proc/PID/stat over the run / requests), and
# the route's req/s relative to /static/paperboy.css at the same connection count in the same run.
# Needs wrk (Debian package `wrk`). The API rate limit is raised so the API route measures the server.
set -euo pipefail

binary="${1:-}"
[[ -n "$binary" && -x "$binary" ]] || { echo "usage: $0 PATH/TO/paperboy [--duration S] [--connections \"16 64\"] [--port P] [--threads T]" >&2; exit 2; }
shift
duration=10; connections="16 64"; port=18080; threads=2
while [[ $# -gt 0 ]]; do
    case "$1" in
        --duration) duration="$2"; shift 2 ;;
        --connections) connections="$2"; shift 2 ;;
        --port) port="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
command -v wrk >/dev/null || { echo "run.sh: wrk is missing (apt-get install -y wrk)" >&2; exit 1; }

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
data="$(mktemp -d /tmp/paperboy-http-bench.XXXXXX)"
log="$data/serve.log"
base="http://127.0.0.1:$port"

"$binary" serve --data-dir "$data/data" --host 127.0.0.1 --port "$port" \
    --api-reads-per-minute 100000000 >"$log" 2>&1 &
server=$!
cleanup() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT

for _ in $(seq 1 600); do
    if curl -fsS "$base/healthz" >/dev/null 2>&1; then break; fi
    kill -0 "$server" 2>/dev/null || { echo "run.sh: server exited:" >&2; cat "$log" >&2; exit 1; }
    sleep 0.5
done
curl -fsS "$base/healthz" >/dev/null || { echo "run.sh: no /healthz after 300 s" >&2; cat "$log" >&2; exit 1; }

home="$(curl -fsS "$base/")"
paper="$(grep -o 'class="card-title"><a href="/papers/[^"]*"' <<<"$home" | sed -n '1s/.*href="\/papers\///; 1s/"$//p')"
[[ -n "$paper" ]] || { echo "run.sh: no paper card on /" >&2; exit 1; }

routes=(
    "/static/paperboy.css"
    "/"
    "/papers/trending"
    "/papers/$paper"
    "/papers?q=language+models"
    "/api/papers/search?q=language+models"
    "/feeds/daily.rss"
)

tick="$(getconf CLK_TCK)"
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$server/stat"; }

echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
echo "# binary: $binary; demo paper: $paper; wrk -t$threads -d${duration}s; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for route in "${routes[@]}"; do
    printf '# %-40s %s bytes\n' "$route" "$(curl -fsS -o /dev/null -w '%{size_download}' "$base$route")"
done
printf '%-40s %5s %10s %10s %10s %8s %8s %12s %9s\n' route conns "req/s" "p50 ms" "p99 ms" non2xx sockerr "CPU ms/req" "vs static"
for c in $connections; do
    static_rps=""
    for route in "${routes[@]}"; do
        before="$(cpu_ticks)"
        out="$(wrk -t"$threads" -c"$c" -d"${duration}s" --timeout 10s -s "$here/report.lua" "$base$route")"
        after="$(cpu_ticks)"
        line="$(grep '^RESULT' <<<"$out")"
        get() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$line"; }
        requests="$(get requests)"; us="$(get duration_us)"
        rps="$(awk -v r="$requests" -v d="$us" 'BEGIN { printf "%.1f", r / (d / 1e6) }')"
        [[ "$route" == "/static/paperboy.css" ]] && static_rps="$rps"
        sockerr=$(( $(get connect) + $(get read) + $(get write) + $(get timeout) ))
        cpu="$(awk -v a="$before" -v b="$after" -v t="$tick" -v r="$requests" 'BEGIN { printf "%.2f", r ? (b - a) * 1000 / t / r : 0 }')"
        ratio="$(awk -v s="$static_rps" -v r="$rps" 'BEGIN { printf "1/%.1f", r ? s / r : 0 }')"
        printf '%-40s %5s %10s %10.2f %10.2f %8s %8s %12s %9s\n' "$route" "$c" "$rps" \
            "$(awk -v x="$(get p50_us)" 'BEGIN { print x / 1000 }')" "$(awk -v x="$(get p99_us)" 'BEGIN { print x / 1000 }')" \
            "$(get non2xx)" "$sockerr" "$cpu" "$ratio"
    done
done
