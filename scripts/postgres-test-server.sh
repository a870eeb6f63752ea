#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests: `start` makes a cluster in a temporary folder, starts it on a
# free loopback port and prints its URL (for PAPERBOY_TEST_POSTGRES_URL); `stop` stops it and removes the folder.
#
#   export PAPERBOY_TEST_POSTGRES_URL=$(scripts/postgres-test-server.sh start)
#   swift test --skip-build --filter PostgresStoreTests
#   scripts/postgres-test-server.sh stop
#
# The server refuses to run as root, so as root it runs as the `postgres` user (Debian's package creates it).
# Durability is off (fsync, synchronous_commit): the cluster lives for one test run. Where the running server is
# recorded: PAPERBOY_TEST_POSTGRES_STATE (default /tmp/paperboy-postgres-test.state).
set -euo pipefail

state=${PAPERBOY_TEST_POSTGRES_STATE:-/tmp/paperboy-postgres-test.state}

bindir=${PAPERBOY_POSTGRES_BINDIR:-}
if [ -z "$bindir" ]; then
  for candidate in /usr/lib/postgresql/*/bin; do
    [ -x "$candidate/initdb" ] && bindir=$candidate
  done
fi
if [ -z "$bindir" ] && command -v initdb >/dev/null 2>&1; then
  bindir=$(dirname "$(command -v initdb)")
fi

as_server_user() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "${1:-}" in
  start)
    if [ -z "$bindir" ]; then
      echo "postgres-test-server: no PostgreSQL server binaries (initdb); install Debian's postgresql package" >&2
      exit 1
    fi
    if [ -f "$state" ]; then
      echo "postgres-test-server: a server is recorded in $state already; run '$0 stop' first" >&2
      exit 1
    fi
    dir=$(mktemp -d /tmp/paperboy-postgres-XXXXXX)
    if [ "$(id -u)" = 0 ]; then
      if ! id postgres >/dev/null 2>&1; then
        echo "postgres-test-server: running as root and there is no postgres user to run the server as" >&2
        exit 1
      fi
      chown postgres: "$dir"
    fi
    chmod 700 "$dir"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_server_user "$bindir/initdb" -D "$dir/data" -U paperboy -A trust -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    # PAPERBOY_POSTGRES_DURABLE=1 (benchmarks) keeps PostgreSQL's durable defaults.
    durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    [ "${PAPERBOY_POSTGRES_DURABLE:-}" = 1 ] && durability=""
    as_server_user "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 $durability -c max_connections=400" \
      start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    url="postgres://paperboy@127.0.0.1:$port/postgres"
    printf 'dir=%s\nport=%s\nurl=%s\nbindir=%s\n' "$dir" "$port" "$url" "$bindir" > "$state"
    echo "$url"
    ;;
  stop)
    [ -f "$state" ] || exit 0
    dir=$(sed -n 's/^dir=//p' "$state")
    bindir=$(sed -n 's/^bindir=//p' "$state")
    as_server_user "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir" "$state"
    ;;
  url)
    [ -f "$state" ] || { echo "postgres-test-server: no server is running" >&2; exit 1; }
    sed -n 's/^url=//p' "$state"
    ;;
  *)
    echo "usage: $0 start|stop|url" >&2
    exit 2
    ;;
esac
