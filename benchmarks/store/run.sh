#!/usr/bin/env bash
# The store on PostgreSQL against SQLite, in one run on this machine (issue 15's benchmark):
#   1. `paperboy import FILE` into SQLite (a data folder) and into PostgreSQL (--database-url): papers/s;
#   2. wrk on /, /papers/trending and /api/papers/search?q=language+models against one `serve` on SQLite, one on
#      PostgreSQL, and two on one PostgreSQL database (each with its own data folder; wrk on both at once, the
#      connections split between them), req/s and p99.
#
#   benchmarks/store/run.sh PATH/TO/paperboy FILE [--duration 10] [--connections 16]
#
# Builds nothing: pass the release binary. Starts its own PostgreSQL server (scripts/postgres-test-server.sh, with
# PostgreSQL's durable defaults, not the tests' fsync=off, since SQLite's commits are durable too) on a free
# loopback port, and stops it at the end. Runs from a temporary folder, so no ./models folder switches embeddings
# on: both backends serve lexical search only. Needs wrk, psql and curl.
set -euo pipefail

binary="$(realpath "${1:?usage: $0 PATH/TO/paperboy FILE [--duration S] [--connections N]}")"
file="$(realpath "${2:?usage: $0 PATH/TO/paperboy FILE}")"
shift 2
duration=10; connections=16
while [[ $# -gt 0 ]]; do
    case "$1" in
        --duration) duration="$2"; shift 2 ;;
        --connections) connections="$2"; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
for tool in wrk psql curl; do command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing" >&2; exit 1; }; done

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$(mktemp -d /tmp/paperboy-store-bench.XXXXXX)"
export PAPERBOY_TEST_POSTGRES_STATE="$work/postgres.state"
servers=()
cleanup() {
    for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    "$repo/scripts/postgres-test-server.sh" stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

admin="$(PAPERBOY_POSTGRES_DURABLE=1 "$repo/scripts/postgres-test-server.sh" start)"
psql -q "$admin" -c "CREATE DATABASE bench" >/dev/null
database="${admin%/*}/bench"
echo "# PostgreSQL $(psql -tA "$admin" -c 'SHOW server_version') at ${admin%/*} (fsync $(psql -tA "$admin" -c 'SHOW fsync'), synchronous_commit $(psql -tA "$admin" -c 'SHOW synchronous_commit'))"

import() {  # LABEL ARGS...: runs the import, prints papers/s from the papers the store holds afterwards
    local label="$1"; shift
    local start end
    start=$(date +%s.%N)
    "$binary" import "$file" "$@" >"$work/import-$label.log" 2>&1 || { cat "$work/import-$label.log" >&2; exit 1; }
    end=$(date +%s.%N)
    local papers
    papers=$("$binary" stats --json "$@" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["papers"])')
    awk -v l="$label" -v p="$papers" -v s="$start" -v e="$end" \
        'BEGIN { printf "import %-10s %d papers in %.1f s: %.0f papers/s\n", l, p, e - s, p / (e - s) }'
}
import sqlite --data-dir "$work/sqlite"
import postgresql --data-dir "$work/pg-a" --database-url "$database"

serve() {  # PORT ARGS...
    local port="$1"; shift
    "$binary" serve --host 127.0.0.1 --port "$port" --api-reads-per-minute 100000000 "$@" \
        >"$work/serve-$port.log" 2>&1 &
    servers+=($!)
    for _ in $(seq 1 1200); do
        # Ready once its own lexical index holds every paper (each instance builds one from the change feed).
        if curl -fsS "http://127.0.0.1:$port/healthz" 2>/dev/null | python3 -c '
import json, sys
h = json.load(sys.stdin)
sys.exit(0 if (h.get("search") or {}).get("indexedPapers", 0) >= h.get("paperCount", 1) else 1)' 2>/dev/null; then
            return
        fi
        sleep 0.5
    done
    echo "run.sh: serve on $port did not come up" >&2; cat "$work/serve-$port.log" >&2; exit 1
}
stop_servers() {
    for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    servers=()
}

routes=("/" "/papers/trending" "/api/papers/search?q=language+models")
measure() {  # LABEL PORT...: wrk on each route against every port at once, the connections split evenly
    local label="$1"; shift
    local ports=("$@") n=$#
    for route in "${routes[@]}"; do
        for port in "${ports[@]}"; do
            for _ in 1 2 3; do curl -fsS -o /dev/null "http://127.0.0.1:$port$route"; done
        done
        local outs=() loads=()
        for port in "${ports[@]}"; do
            wrk -t1 -c$((connections / n)) -d"${duration}s" --timeout 10s --latency "http://127.0.0.1:$port$route" \
                >"$work/wrk-$port.txt" &
            loads+=($!)
            outs+=("$work/wrk-$port.txt")
        done
        wait "${loads[@]}"
        python3 - "$label" "$route" "${outs[@]}" <<'EOF'
import re, sys
label, route, files = sys.argv[1], sys.argv[2], sys.argv[3:]
rps, p99s, non2xx = 0.0, [], 0
for f in files:
    text = open(f).read()
    rps += float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    m = re.search(r"99%\s+([\d.]+)(us|ms|s)", text)
    p99s.append(float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)])
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    non2xx += int(m.group(1)) if m else 0
print(f"{label:<24} {route:<40} {rps:>9.1f} req/s   p99 {max(p99s):>8.1f} ms   non-2xx {non2xx}")
EOF
    done
}

serve 18301 --data-dir "$work/sqlite"
measure "sqlite, one instance" 18301
stop_servers
serve 18302 --data-dir "$work/pg-a" --database-url "$database"
measure "postgresql, one" 18302
serve 18303 --data-dir "$work/pg-b" --database-url "$database"
measure "postgresql, two" 18302 18303
stop_servers
