#!/usr/bin/env bash
# Where a route's CPU goes: `perf record` (software cpu-clock samples with call graphs) of `paperboy serve`
# while wrk loads one route, then the top functions by inclusive ("children") share, demangled, and the
# server's CPU per request over the run.
#
#   benchmarks/http/profile.sh PATH/TO/paperboy [ROUTE=/] [SECONDS=10] [OUT=/tmp/paperboy-perf.data]
#
# Builds nothing. (valgrind 3.19's callgrind, Debian bookworm's, cannot read this toolchain's DWARF 5 and crashes
# on the debug-stripped binary; perf's hardware counters are not available in this VM, its cpu-clock is.)
set -euo pipefail
binary="${1:?usage: $0 PATH/TO/paperboy [ROUTE] [SECONDS] [OUT]}"
route="${2:-/}"; seconds="${3:-10}"; out="${4:-/tmp/paperboy-perf.data}"; port="${PORT:-18090}"
data="$(mktemp -d /tmp/paperboy-profile.XXXXXX)"
base="http://127.0.0.1:$port"
"$binary" serve --data-dir "$data/data" --port "$port" --api-reads-per-minute 100000000 >"$data/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 600); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
for _ in 1 2 3; do curl -fsS -o /dev/null "$base$route"; done
before="$(awk '{ print $14 + $15 }' /proc/$pid/stat)"
perf record -e cpu-clock -F 1999 -g -p "$pid" -o "$out" -- sleep "$seconds" >/dev/null 2>&1 &
recorder=$!
result="$(wrk -t2 -c16 -d"${seconds}s" --latency "$base$route")"
wait "$recorder" || true
after="$(awk '{ print $14 + $15 }' /proc/$pid/stat)"
requests="$(awk '/requests in/ { print $1 }' <<<"$result")"
echo "# $route: $requests requests in ${seconds} s at 16 connections; server CPU $(awk -v a="$before" -v b="$after" -v t="$(getconf CLK_TCK)" -v r="$requests" 'BEGIN { printf "%.3f", (b - a) * 1000 / t / r }') ms per request"
demangle() { if command -v swift >/dev/null; then swift demangle --simplified; else cat; fi; }
echo "# inclusive share of the server's samples (children), self share, function:"
perf report -i "$out" --stdio --children --no-demangle --percent-limit "${LIMIT:-1.5}" -g none 2>/dev/null \
    | grep -E '^ +[0-9.]+%' | demangle | cut -c1-230 | head -"${TOP:-60}"
