#!/usr/bin/env bash
# Sets up and serves the demo government: migrate, load the demo data (idempotent), start the
# background-task worker and gunicorn. Called by `make demo`; stops both processes on Ctrl-C.
set -euo pipefail
HOST="${1:-127.0.0.1}"
PORT="${2:-8000}"
WORKERS="${3:-3}"
cd "$(dirname "$0")/.."
PY=.venv/bin/python

export SOTONG_ENV="${SOTONG_ENV:-demo}"
export SOTONG_SITE_URL="${SOTONG_SITE_URL:-http://${HOST}:${PORT}}"
mkdir -p var var/mail

if [ -n "${DATABASE_URL:-}" ]; then
  echo "• 데이터베이스: PostgreSQL (DATABASE_URL)"
else
  echo "• 데이터베이스: SQLite (var/sotong.sqlite3)"
fi
$PY manage.py migrate --no-input -v 0
$PY manage.py createcachetable
$PY manage.py collectstatic --no-input -v 0
$PY manage.py demo_load

# The fake SMS/KakaoTalk provider (solapi's protocol): the real adapter sends to it, and its inbox
# shows staff what residents would receive. Delivery reports come back through the webhook.
FAKE_PROVIDER_PORT="${FAKE_PROVIDER_PORT:-18090}"
export SOTONG_SOLAPI_URL="${SOTONG_SOLAPI_URL:-http://127.0.0.1:${FAKE_PROVIDER_PORT}}"

pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

if [ "${SOTONG_TASK_BACKEND:-db}" = "rq" ]; then
  $PY manage.py rqworker --with-scheduler --job-class django_tasks_rq.Job urgent default notify search &
else
  $PY manage.py db_worker --queue-name '*' &
fi
pids+=($!)

$PY -m sotong.notify.fakeprovider --port "${FAKE_PROVIDER_PORT}" \
  --report-url "${SOTONG_SITE_URL}/notify/hooks/solapi/report" \
  --inbound-url "${SOTONG_SITE_URL}/notify/hooks/solapi/inbound" \
  --secret "${SOTONG_SOLAPI_WEBHOOK_SECRET:-demo-webhook-secret}" \
  --state-file "${SOTONG_VAR_DIR:-var}/fakeprovider.json" &
pids+=($!)

# Starts scheduled campaigns when their time comes and wakes the delivery workers.
$PY manage.py notify_scheduler &
pids+=($!)

# Petitions: close answered ones after their reopen period, destroy expired personal data,
# retrain the routing suggester once a day (production: cron, see docs/deploy.md).
( while true; do $PY manage.py petitions_tick >/dev/null 2>&1 || true; sleep 600; done ) &
pids+=($!)

GUNICORN_BIND="${HOST}:${PORT}" WEB_CONCURRENCY="${WORKERS}" \
  .venv/bin/gunicorn sotong.wsgi:application -c gunicorn.conf.py &
pids+=($!)

cat <<MSG

  소통 데모 정부가 실행 중입니다 / the sotong demo government is running:
    ${SOTONG_SITE_URL}/
    ${SOTONG_SITE_URL}/healthz
  관리 화면 / admin: ${SOTONG_SITE_URL}/admin/
  보낸 이메일 / sent e-mail: var/mail/
  문자·알림톡 (가짜 발송 업체) / SMS and KakaoTalk (fake provider): ${SOTONG_SOLAPI_URL}/
  알림 발송 담당 / notify staff pages: ${SOTONG_SITE_URL}/notify/staff/
  민원 / petitions: ${SOTONG_SITE_URL}/petitions/  (직원 / staff: ${SOTONG_SITE_URL}/petitions/staff/)
  Open311: ${SOTONG_SITE_URL}/open311/v2/discovery.json
  직원 로그인의 OTP 코드 / a staff TOTP code now: .venv/bin/python manage.py demo_totp EMAIL
  멈추려면 Ctrl-C / press Ctrl-C to stop.

MSG
wait -n "${pids[@]}"
