#!/usr/bin/env bash
# A throwaway PostgreSQL primary and its hot standby, streaming (pg_basebackup -R), for
# trying the read-replica router without touching the development server.
#
#   kpis/scripts/replica_pair.sh start [DIR] [PRIMARY_PORT] [STANDBY_PORT]
#   kpis/scripts/replica_pair.sh stop-standby [DIR]   # the replica goes away
#   kpis/scripts/replica_pair.sh stop [DIR]           # both stop (data kept in DIR)
#
# Then: DATABASE_URL=postgres://postgres@127.0.0.1:5491/svc \
#       DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:5492/svc
set -euo pipefail
cmd=${1:-start}
dir=${2:-/tmp/kpis-replica}
pport=${3:-5491}
sport=${4:-5492}

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$cmd" in
start)
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  if [ ! -f "$dir/primary/PG_VERSION" ]; then
    as_pg initdb -D "$dir/primary" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    as_pg sh -c "echo 'host replication all 127.0.0.1/32 trust' >> '$dir/primary/pg_hba.conf'"
    as_pg sh -c "cat >> '$dir/primary/postgresql.conf'" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
wal_level = replica
max_wal_senders = 4
hot_standby = on
shared_buffers = 32MB
CONF
  fi
  as_pg pg_ctl -D "$dir/primary" -l "$dir/primary.log" -w -o "-p $pport" start >/dev/null
  if [ ! -f "$dir/standby/PG_VERSION" ]; then
    as_pg pg_basebackup -h 127.0.0.1 -p "$pport" -U postgres -D "$dir/standby" -X stream -R
  fi
  as_pg pg_ctl -D "$dir/standby" -l "$dir/standby.log" -w -o "-p $sport" start >/dev/null
  echo "primary 127.0.0.1:$pport, hot standby 127.0.0.1:$sport"
  ;;
stop-standby)
  as_pg pg_ctl -D "$dir/standby" -m fast -w stop >/dev/null 2>&1 || true
  ;;
stop)
  as_pg pg_ctl -D "$dir/standby" -m fast -w stop >/dev/null 2>&1 || true
  as_pg pg_ctl -D "$dir/primary" -m fast -w stop >/dev/null 2>&1 || true
  ;;
*)
  echo "usage: $0 start|stop-standby|stop [DIR] [PRIMARY_PORT] [STANDBY_PORT]" >&2
  exit 2
  ;;
esac
