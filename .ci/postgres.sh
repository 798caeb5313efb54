#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests and benchmarks: Debian's server package, a
# temporary data directory, a non-root user, a local port. Prints the SQLAlchemy URL.
#
#   url=$(bash .ci/postgres.sh start /tmp/redprop-pg)   # installs the server when missing
#   bash .ci/postgres.sh stop /tmp/redprop-pg
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?a directory for the cluster}
port=${REDPROP_PG_PORT:-54329}
user=redprop-ci

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
  if [ -z "$(bin)" ]; then
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq
    as_root apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  fi
  # PostgreSQL refuses to run as root: the cluster belongs to an ordinary user.
  if [ "$(id -u)" = 0 ] && ! id "$user" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
  fi
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown "$user" "$dir"
  # A port something else already listens on (another cluster, a left-over run) is skipped.
  for _ in $(seq 1 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
    port=$((port + 1))
  done
  b=$(bin)
  as_owner "$b/initdb" -D "$dir/data" -U redprop --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  as_owner "$b/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=100" start >/dev/null
  echo "postgresql+psycopg://redprop@127.0.0.1:$port/postgres"
  ;;
stop)
  b=$(bin)
  [ -d "$dir/data" ] && as_owner "$b/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
  # Thousands of test databases: removing them takes minutes of I/O nobody waits for.
  (rm -rf "$dir" &)
  ;;
esac
