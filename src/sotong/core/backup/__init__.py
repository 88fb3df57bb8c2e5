"""Backups that really restore (docs/deploy.md section 11).

One backup is one file, `sotong-YYYYMMDD-HHMMSS.backup`: a tar of the database (a `pg_dump`
taken in the same snapshot as the row counts, or an SQLite online copy), the uploaded files
(`$SOTONG_VAR_DIR/media`) and a manifest (row counts of every table, the audit chain head, the
ids of the keys the data needs), encrypted with SOTONG_BACKUP_KEYS (`crypto.py`). The keys
themselves are never in it.

- `services.backup_create` / `manage.py backup_create` (`scripts/backup.sh`, nightly): writes one
  and prunes those older than the retention, never the newest;
- `services.backup_restore` / `manage.py backup_restore`: into an empty database and an empty
  media directory, then compares the row counts and files with the manifest;
- `services.backup_verify` / `manage.py backup_verify`: the audit chain up to the manifest's head,
  every encrypted value decrypts, the key check (`core/privacy/checks.py`), the stored files'
  hashes, a page renders;
- `services.backup_list` / `manage.py backup_list`: each backup's date and the key ids it needs
  (read from the unencrypted header), so an old key is dropped only when no kept backup needs it.

`scripts/restore.sh` runs restore, pauses notification delivery, `migrate --check`,
`collectstatic` and verify, in that order."""
