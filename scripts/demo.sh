#!/usr/bin/env bash
# Sets up and serves the demo government: migrate, load the demo data (idempotent), then start
# gunicorn, the background-task worker, the notification scheduler, the petitions tick loop and
# the fake SMS/KakaoTalk provider. Called by `make demo` (HOST PORT WORKERS).
#
# Several demos may run on one machine (other PORT, other SOTONG_VAR_DIR): the fake provider
# listens on PORT + 10090 (8000 → 18090) unless FAKE_PROVIDER_PORT says otherwise; when that
# port is taken another free one is picked and printed. A port given (PORT, FAKE_PROVIDER_PORT)
# that is taken stops the start before anything is done. DEMO_DRY_RUN=1 only checks the ports
# and prints them.
#
# The script stops exactly the processes it started (and theirs), never others by name: on
# Ctrl-C, on TERM, and when one of them stops by itself, after saying which one, its exit code
# and the last lines of its log (side processes log to $SOTONG_VAR_DIR/log/).
set -euo pipefail
HOST="${1:-127.0.0.1}"
PORT="${2:-8000}"
WORKERS="${3:-3}"
cd "$(dirname "$0")/.."
PY=.venv/bin/python
VAR="${SOTONG_VAR_DIR:-var}"
LOGS="$VAR/log"
FAKE_HOST=127.0.0.1

# --- ports ---------------------------------------------------------------------------------
port_free() { # HOST PORT: could a server listen there now (as gunicorn and the provider do)?
  "$PY" - "$1" "$2" <<'PY'
import socket, sys
with socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET) as sock:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((sys.argv[1].strip("[]"), int(sys.argv[2])))
    except OSError:
        sys.exit(1)
PY
}
free_port() { # HOST: a port free now, picked by the system
  "$PY" -c 'import socket, sys; s = socket.socket(); s.bind((sys.argv[1], 0)); print(s.getsockname()[1])' "$1"
}

if ! port_free "$HOST" "$PORT"; then
  echo "✗ ${HOST}:${PORT} 포트를 이미 다른 프로그램이 쓰고 있습니다 / port ${PORT} is taken: make demo PORT=…" >&2
  exit 1
fi
if [ -n "${FAKE_PROVIDER_PORT:-}" ]; then
  if ! port_free "$FAKE_HOST" "$FAKE_PROVIDER_PORT"; then
    echo "✗ FAKE_PROVIDER_PORT=${FAKE_PROVIDER_PORT} 포트를 이미 쓰고 있습니다 / is taken" >&2
    exit 1
  fi
else
  FAKE_PROVIDER_PORT=$((PORT + 10090))
  if [ "$FAKE_PROVIDER_PORT" -gt 65535 ] || ! port_free "$FAKE_HOST" "$FAKE_PROVIDER_PORT"; then
    wanted=$FAKE_PROVIDER_PORT
    FAKE_PROVIDER_PORT=$(free_port "$FAKE_HOST")
    echo "• 가짜 발송 업체 포트 ${wanted} 대신 ${FAKE_PROVIDER_PORT} / fake provider: port ${wanted} is taken or invalid, using ${FAKE_PROVIDER_PORT}"
  fi
fi

export SOTONG_ENV="${SOTONG_ENV:-demo}"
export SOTONG_SITE_URL="${SOTONG_SITE_URL:-http://${HOST}:${PORT}}"
# Every process of this demo (worker, scheduler, manage.py) sends its texts to its own provider.
export SOTONG_SOLAPI_URL="${SOTONG_SOLAPI_URL:-http://${FAKE_HOST}:${FAKE_PROVIDER_PORT}}"
echo "• 사이트 / site: ${SOTONG_SITE_URL}/  가짜 발송 업체 / fake provider: ${SOTONG_SOLAPI_URL}/"
if [ "${DEMO_DRY_RUN:-}" = 1 ]; then exit 0; fi

mkdir -p "$VAR" "$VAR/mail" "$LOGS"
if [ -n "${DATABASE_URL:-}" ]; then
  echo "• 데이터베이스: PostgreSQL (DATABASE_URL)"
else
  echo "• 데이터베이스: SQLite (${VAR}/sotong.sqlite3)"
fi
if ! $PY manage.py migrate --no-input -v 0 >"$LOGS/migrate.log" 2>&1; then
  cat "$LOGS/migrate.log" >&2
  # A demo database made before its keys were kept in $VAR/secrets (or with other keys) cannot be
  # read with these: say what to do instead of leaving only the check's message.
  if [ -z "${DATABASE_URL:-}" ] && grep -q "privacy.E10[12]" "$LOGS/migrate.log"; then
    echo "✗ 데모 데이터베이스를 지금 키로 읽을 수 없습니다. 새로 만들려면: rm ${VAR}/sotong.sqlite3 && make demo" >&2
    echo "✗ the demo database was made with other keys; to start afresh: rm ${VAR}/sotong.sqlite3 && make demo" >&2
  fi
  exit 1
fi
cat "$LOGS/migrate.log"
$PY manage.py createcachetable
$PY manage.py collectstatic --no-input -v 0
$PY manage.py demo_load

# --- the processes of the demo -------------------------------------------------------------
names=()
pids=()
logs=()
started() { # NAME LOG: records the process just started in the background
  names+=("$1")
  pids+=($!)
  logs+=("$2")
}

descendants() { # PID: every process below it (gunicorn's workers, the tick loop's command)
  local child
  for child in $(pgrep -P "$1" || true); do
    echo "$child"
    descendants "$child"
  done
}

running() { # PID…: true while one of them runs (a stopped child not yet reaped does not count)
  local list
  list=$(IFS=,; echo "$*")
  ps -o stat= -p "$list" 2>/dev/null | grep -qv '^ *Z'
}

stop_all() {
  trap - INT TERM EXIT
  [ "${#pids[@]}" -gt 0 ] || return 0
  local family=() pid
  for pid in "${pids[@]}"; do
    family+=("$pid")
    mapfile -t -O "${#family[@]}" family < <(descendants "$pid")
  done
  kill -TERM "${family[@]}" 2>/dev/null || true
  # A worker finishes its task on TERM; whatever still runs after 20 s is killed.
  for _ in $(seq 1 200); do
    running "${family[@]}" || break
    sleep 0.1
  done
  for pid in "${family[@]}"; do
    if running "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
  wait 2>/dev/null || true
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap stop_all EXIT

if [ "${SOTONG_TASK_BACKEND:-db}" = "rq" ]; then
  $PY manage.py rqworker --with-scheduler --job-class django_tasks_rq.Job urgent default notify search \
    >>"$LOGS/worker.log" 2>&1 &
else
  $PY manage.py db_worker --queue-name '*' >>"$LOGS/worker.log" 2>&1 &
fi
started "작업 처리기 / task worker" "$LOGS/worker.log"

# The fake SMS/KakaoTalk provider (solapi's protocol): the real adapter sends to it, and its inbox
# shows staff what residents would receive. Delivery reports come back through the webhook.
$PY -m sotong.notify.fakeprovider --host "$FAKE_HOST" --port "${FAKE_PROVIDER_PORT}" \
  --report-url "${SOTONG_SITE_URL}/notify/hooks/solapi/report" \
  --inbound-url "${SOTONG_SITE_URL}/notify/hooks/solapi/inbound" \
  --secret "${SOTONG_SOLAPI_WEBHOOK_SECRET:-demo-webhook-secret}" \
  --state-file "${VAR}/fakeprovider.json" >>"$LOGS/fakeprovider.log" 2>&1 &
started "가짜 발송 업체 / fake SMS provider" "$LOGS/fakeprovider.log"

# Starts scheduled campaigns when their time comes and wakes the delivery workers.
$PY manage.py notify_scheduler >>"$LOGS/notify_scheduler.log" 2>&1 &
started "알림 예약 실행기 / notify scheduler" "$LOGS/notify_scheduler.log"

# Petitions: close answered ones after their reopen period, destroy expired personal data,
# retrain the routing suggester once a day (production: cron, see docs/deploy.md).
(while true; do
  $PY manage.py petitions_tick || echo "petitions_tick failed ($?), again in 10 minutes"
  sleep 600
done) >>"$LOGS/petitions_tick.log" 2>&1 &
started "민원 정리 / petitions tick" "$LOGS/petitions_tick.log"

GUNICORN_BIND="${HOST}:${PORT}" WEB_CONCURRENCY="${WORKERS}" \
  .venv/bin/gunicorn sotong.wsgi:application -c gunicorn.conf.py &
started "웹 서버 / gunicorn" ""

cat <<MSG

  소통 데모 정부가 실행 중입니다 / the sotong demo government is running:
    ${SOTONG_SITE_URL}/
    ${SOTONG_SITE_URL}/healthz
  관리 화면 / admin: ${SOTONG_SITE_URL}/admin/
  보낸 이메일 / sent e-mail: ${VAR}/mail/
  문자·알림톡 (가짜 발송 업체) / SMS and KakaoTalk (fake provider): ${SOTONG_SOLAPI_URL}/
  알림 발송 담당 / notify staff pages: ${SOTONG_SITE_URL}/notify/staff/
  민원 / petitions: ${SOTONG_SITE_URL}/petitions/  (직원 / staff: ${SOTONG_SITE_URL}/petitions/staff/)
  Open311: ${SOTONG_SITE_URL}/open311/v2/discovery.json
  작업 처리기·예약 실행기·가짜 발송 업체의 로그 / logs of the side processes: ${LOGS}/
  직원 로그인의 OTP 코드 / a staff TOTP code now: .venv/bin/python manage.py demo_totp EMAIL
  멈추려면 Ctrl-C / press Ctrl-C to stop.

MSG

report() { # INDEX EXIT-CODE: which process stopped, and its last words
  echo >&2
  echo "✗ ${names[$1]} (pid ${pids[$1]}) 이(가) 멈췄습니다 / stopped, exit code $2: 데모를 멈춥니다 / stopping the demo." >&2
  if [ -n "${logs[$1]}" ]; then
    echo "  ${logs[$1]} (마지막 줄 / last lines):" >&2
    tail -n 20 "${logs[$1]}" | sed 's/^/    /' >&2
  fi
}

# Runs until one of them stops, then says which and why, and stops the others. A process that
# stopped before `wait -n` is no longer a job bash waits for (the original bug: a provider that
# could not listen went unnoticed), so each round first looks for one that is gone already.
while true; do
  for i in "${!pids[@]}"; do
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then
      status=0
      wait "${pids[$i]}" || status=$?
      report "$i" "$status"
      exit 1
    fi
  done
  status=0
  stopped=""
  wait -n -p stopped "${pids[@]}" 2>/dev/null || status=$?
  [ -n "$stopped" ] || sleep 1 # no job ended (should not happen): no busy loop
  for i in "${!pids[@]}"; do
    if [ "${pids[$i]}" = "$stopped" ]; then
      report "$i" "$status"
      exit 1
    fi
  done
done
