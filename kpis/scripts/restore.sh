#!/usr/bin/env bash
# `make restore BACKUP=backups/<time>`: bring a backup back into a fresh database.
#
#   BACKUP (a folder written by backup.sh), DATABASE_URL (the database to create: it must
#   not exist yet), MEDIA_ROOT (where the media files go; default media/)
set -euo pipefail
backup=${1:-${BACKUP:?give the backup folder: make restore BACKUP=backups/...}}
db_url=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/service_dispatch}
media=${MEDIA_ROOT:-media}
db_name=${db_url##*/}; db_name=${db_name%%\?*}
server=${db_url%/*}
if psql "$server/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db_name'" | grep -q 1; then
  echo "Database $db_name exists: restore goes into a fresh database (drop it or choose another)." >&2
  exit 1
fi
psql "$server/postgres" -qc "CREATE DATABASE \"$db_name\""
pg_restore --no-owner --exit-on-error --dbname="$db_url" "$backup/db.dump"
mkdir -p "$media"
tar -C "$media" -xzf "$backup/media.tar.gz"
echo "restored $backup into $db_name and $media"
