#!/bin/sh
# Restore a backup made by scripts/backup.sh into an EMPTY database and an EMPTY data directory
# (docs/deploy.md section 11, the restore drill). Steps, each stopping the script on failure:
#   1. the database and the uploaded files, compared with the backup's manifest (row counts of
#      every table, files, audit chain head);
#   2. notification delivery PAUSED: workers started on this copy must never send residents its
#      scheduled messages (resume only on the copy that becomes the live install:
#      `manage.py notify_delivery resume`);
#   3. `migrate --check`: the schema is this release's, and the keys match the database;
#   4. `collectstatic` into $SOTONG_VAR_DIR/static (without it every page answers 500);
#   5. `backup_verify`: audit chain, decryption, keys, stored files, a page renders.
#
# Needs the environment of the restored copy: DATABASE_URL (an empty database: createdb),
# SOTONG_VAR_DIR (an empty directory), and the keys from their own store:
# DJANGO_SECRET_KEY, SOTONG_FIELD_ENCRYPTION_KEYS, SOTONG_FIELD_LOOKUP_KEY, SOTONG_BACKUP_KEYS.
set -eu
if [ $# -ne 1 ]; then
  echo "usage: scripts/restore.sh BACKUP_FILE   (sotong-YYYYMMDD-HHMMSS.backup)" >&2
  exit 2
fi
backup=$1
if [ -z "${SOTONG_VAR_DIR:-}" ]; then
  echo "restore.sh: set SOTONG_VAR_DIR to the restored copy's data directory (empty)." >&2
  exit 2
fi
export SOTONG_VAR_DIR
umask 027
mkdir -p "$SOTONG_VAR_DIR"
checkout=$(cd "$(dirname "$0")/.." && pwd)
python=${SOTONG_PYTHON:-$checkout/.venv/bin/python}
manage() { "$python" "$checkout/manage.py" "$@"; }

echo "== 1/5 database and files"
manage backup_restore "$backup"
echo "== 2/5 notification delivery paused"
manage notify_delivery pause --reason "복구한 사본 (restore.sh $(basename "$backup"))"
echo "== 3/5 schema and keys (migrate --check)"
if ! manage migrate --check; then
  echo "restore.sh: the schema is not this release's, or the keys do not match (see above)." >&2
  echo "Check out the release the backup was made with, or set the install's keys." >&2
  exit 1
fi
echo "== 4/5 static files (collectstatic)"
manage collectstatic --no-input -v 0
echo "== 5/5 verify"
manage backup_verify "$backup"
echo
echo "Restored. Notification delivery is PAUSED on this copy."
echo "Only if this copy becomes the live install: manage.py notify_delivery resume --reason '…'"
