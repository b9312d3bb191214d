#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster on a free loopback port under $WF_TEST_TMP and appends
# WORKFLOWS_TEST_POSTGRES=<connection string> to $WF_TEST_ENV. "stop" stops it.
set -euo pipefail
dir="$WF_TEST_TMP/postgres"
case "${1:-start}" in
start)
  pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p "$dir"
  runas=()
  if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$dir"; runas=(runuser -u postgres --); fi
  "${runas[@]}" "$pgbin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1
  "${runas[@]}" "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
     -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c max_connections=300 -c fsync=on" start >/dev/null
  echo "WORKFLOWS_TEST_POSTGRES='Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres;Maximum Pool Size=50'" >>"$WF_TEST_ENV"
  echo "postgres: started on 127.0.0.1:$port ($dir)"
  ;;
stop)
  pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
  if [ -d "$dir/data" ]; then
    runas=(); [ "$(id -u)" = 0 ] && runas=(runuser -u postgres --)
    "${runas[@]}" "$pgbin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  ;;
esac
