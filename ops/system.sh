#!/usr/bin/env bash
# The system's own processes (the Procfile), run under supervisord: start | stop | status | logs.
# `start` expects the services up (ops/services.sh start), migrates, ensures the Kafka
# topics, starts supervisord (which starts every process and restarts any that exits) and
# returns once the web server answers.
#
# SYSTEM_DIR (default var/) holds run/ (supervisord's socket, pid, config, beat's schedule)
# and log/ (one log per process, supervisord.log): a second system with another SYSTEM_DIR,
# WEB_BIND and database can run beside the first (the tests do).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export PATH="$ROOT/.venv/bin:$PATH"
SYSTEM_DIR="${SYSTEM_DIR:-$ROOT/var}"
RUN="$SYSTEM_DIR/run"
LOGS="$SYSTEM_DIR/log"
LOG="$LOGS/system.log"  # what start itself ran: migrate, collectstatic, kafka_topics
CONF="$RUN/supervisord.conf"
WEB_BIND="${WEB_BIND:-127.0.0.1:8000}"
URL="http://$WEB_BIND"
export WEB_BIND SYSTEM_RUN_DIR="$RUN"
mkdir -p "$LOGS" "$RUN"

die() { printf 'system: %s\n' "$*" >&2; exit 1; }

# The system runs as in production (DEBUG off: no debug page, ever), over plain HTTP on
# this machine, with a secret key of its own kept in var/secret_key (made once, mode 600).
export DEBUG="${DEBUG:-false}" SECURE_SSL_REDIRECT="${SECURE_SSL_REDIRECT:-false}"
export SECURE_COOKIES="${SECURE_COOKIES:-false}" SECURE_HSTS_SECONDS="${SECURE_HSTS_SECONDS:-0}"
# No mail server on this machine: every email (notifications, address confirmations, password
# resets) is written to a file under var/mail/ instead. Set EMAIL_BACKEND (and EMAIL_HOST...)
# to send for real.
export EMAIL_BACKEND="${EMAIL_BACKEND:-django.core.mail.backends.filebased.EmailBackend}"
export EMAIL_FILE_PATH="${EMAIL_FILE_PATH:-$ROOT/var/mail}"
local_secret() {
  local file="$ROOT/var/secret_key"
  [ -s "$file" ] && return 0
  (umask 077 && python -c 'import secrets; print(secrets.token_urlsafe(50))' >"$file")
}
running() { [ -S "$RUN/supervisor.sock" ] && supervisorctl -c "$CONF" pid >/dev/null 2>&1; }
web_ready() {
  python - "$URL/healthz" <<'PY'
import sys, urllib.request
try:
    sys.exit(0 if urllib.request.urlopen(sys.argv[1], timeout=2).status == 200 else 1)
except Exception:
    sys.exit(1)
PY
}
port_open() { (exec 3<>"/dev/tcp/${1%:*}/${1#*:}") 2>/dev/null; }
processes() { grep -oE '^[a-z_0-9-]+' "${PROCFILE:-Procfile}" | paste -sd' ' -; }

start() {
  if running; then
    echo "system: already running (supervisord pid $(supervisorctl -c "$CONF" pid))"
  else
    if port_open "$WEB_BIND"; then die "port ${WEB_BIND#*:} is taken by another process"; fi
    local_secret
    python manage.py migrate --noinput >>"$LOG" 2>&1 || die "migrate failed (see $LOG)"
    python manage.py collectstatic --noinput >>"$LOG" 2>&1 || die "collectstatic failed (see $LOG)"
    python manage.py kafka_topics >>"$LOG" 2>&1 || die "kafka_topics failed (see $LOG)"
    python ops/supervisor.py conf "$RUN" "$LOGS"
    echo "system: starting $(processes)"
    supervisord -c "$CONF" >>"$LOG" 2>&1 || die "supervisord did not start (see $LOG)"
    local deadline=$((SECONDS + 90))
    until web_ready; do
      running || die "supervisord exited during start (see $LOGS/supervisord.log)"
      [ "$SECONDS" -lt "$deadline" ] || die "the web server did not answer $URL/healthz in 90 s (see $LOGS/web.log)"
      sleep 0.5
    done
  fi
  cat <<TXT

  The system is up, every process supervised (restarted when it exits).
    Author site     $URL/   (emails are files in var/mail/)
    API and admin   $URL/admin/   (create an editor: .venv/bin/python manage.py createsuperuser)
    Dashboard       $URL/admin/analytics/dashboard/
    API docs        $URL/api/docs/
    Health          $URL/healthz
    Processes       $(processes)   (make status)
    Logs            $LOGS/<process>.log (make logs); services' logs in var/log/
    Stop            make down
TXT
}

stop() {
  if running; then
    # Each process gets SIGTERM (finish the batch, commit), SIGKILL after stopwaitsecs.
    supervisorctl -c "$CONF" shutdown >/dev/null 2>&1 || true
    local pid; pid=$(cat "$RUN/supervisord.pid" 2>/dev/null || true)
    local deadline=$((SECONDS + 60))
    while [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.3; done
  fi
  echo "system: stopped"
}

status() { python ops/supervisor.py status "$RUN" "$LOGS"; }

logs() { exec tail -n 20 -F "$LOGS"/supervisord.log $(for p in $(processes); do echo "$LOGS/$p.log"; done); }

case "${1:-status}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  logs) logs ;;
  *) die "unknown action '${1}' (start, stop, status or logs)" ;;
esac
