#!/bin/sh
# Nightly backup of a sotong install (docs/deploy.md section 11): one encrypted file holding the
# database (one consistent snapshot), the uploaded files and a manifest, written to
# $SOTONG_BACKUP_DIR (default /var/backups/sotong); then backups older than
# $SOTONG_BACKUP_KEEP_DAYS days (default 30) are deleted, never the newest. The keys are never
# copied into a backup.
#
# Needs the install's environment (DATABASE_URL, SOTONG_VAR_DIR, the keys, SOTONG_BACKUP_KEYS):
# run it from sotong-backup.service (EnvironmentFile=/etc/sotong/sotong.env), or by hand with
#   set -a; . /etc/sotong/sotong.env; set +a; scripts/backup.sh [DIR]
# Prints the audit chain's end (SEQ:HASH): keep that line outside the database too.
set -eu
umask 077
checkout=$(cd "$(dirname "$0")/.." && pwd)
# The same default as settings.py: the checkout's var/ (a demo or development install).
SOTONG_VAR_DIR=${SOTONG_VAR_DIR:-$checkout/var}
export SOTONG_VAR_DIR
dest=${1:-${SOTONG_BACKUP_DIR:-/var/backups/sotong}}
keep=${SOTONG_BACKUP_KEEP_DAYS:-30}
python=${SOTONG_PYTHON:-$checkout/.venv/bin/python}
exec "$python" "$checkout/manage.py" backup_create --dest "$dest" --keep-days "$keep"
