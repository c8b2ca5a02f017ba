#!/usr/bin/env bash
# `make backup`: a consistent dump of the database, then the media files, into one folder.
#
#   BACKUP_DIR (default backups/<UTC time>), DATABASE_URL, MEDIA_ROOT (default media/)
#
# pg_dump reads one snapshot, so the dump is every transaction committed when it started,
# and nothing half-written. The media files are copied after it, so every photo a dumped
# row names is on disk by then (files are written before their row commits). Recovery
# point: the moment the dump started; see kpis/README.md for continuous WAL archiving.
set -euo pipefail
db_url=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/service_dispatch}
media=${MEDIA_ROOT:-media}
out=${BACKUP_DIR:-backups/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
pg_dump --format=custom --no-owner --file="$out/db.dump" "$db_url"
if [ -d "$media" ]; then
  tar -C "$media" -czf "$out/media.tar.gz" .
else
  tar -czf "$out/media.tar.gz" --files-from /dev/null
fi
printf 'started=%s\nfinished=%s\ndatabase=%s\n' "$started" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  "${db_url##*/}" > "$out/MANIFEST"
echo "$out"
