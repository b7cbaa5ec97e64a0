#!/usr/bin/env bash
# The system's own processes (the Procfile, run by honcho): start | stop | status.
# `start` expects the services up (ops/services.sh start), migrates, ensures the Kafka
# topics, starts every process in the background and returns once the web server answers.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export PATH="$ROOT/.venv/bin:$PATH"
LOG="$ROOT/var/log/system.log"
PIDFILE="$ROOT/var/run/system.pid"
WEB_BIND="${WEB_BIND:-127.0.0.1:8000}"
URL="http://$WEB_BIND"
mkdir -p "$ROOT/var/log" "$ROOT/var/run"

die() { printf 'system: %s\n' "$*" >&2; exit 1; }
running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }
web_ready() {
  python - "$URL/admin/login/" <<'PY'
import sys, urllib.request
try:
    sys.exit(0 if urllib.request.urlopen(sys.argv[1], timeout=2).status == 200 else 1)
except Exception:
    sys.exit(1)
PY
}
port_open() { (exec 3<>"/dev/tcp/${1%:*}/${1#*:}") 2>/dev/null; }

# Every process below PID (honcho gives each child a session of its own, so no group kill).
descendants() {
  local child
  for child in $(ps -o pid= --ppid "$1"); do echo "$child"; descendants "$child"; done
}

any_alive() { local p; for p in "$@"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }

processes() { grep -oE '^[a-z_0-9-]+' Procfile | paste -sd' ' -; }

start() {
  if running; then
    echo "system: already running (pid $(cat "$PIDFILE"))"
  else
    if port_open "$WEB_BIND"; then die "port ${WEB_BIND#*:} is taken by another process"; fi
    python manage.py migrate --noinput >>"$LOG" 2>&1 || die "migrate failed (see $LOG)"
    python manage.py collectstatic --noinput >>"$LOG" 2>&1 || die "collectstatic failed (see $LOG)"
    python manage.py kafka_topics >>"$LOG" 2>&1 || die "kafka_topics failed (see $LOG)"
    echo "system: starting $(processes)"
    WEB_BIND="$WEB_BIND" setsid nohup honcho --no-colour -f Procfile start >>"$LOG" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
    local deadline=$((SECONDS + 60))
    until web_ready; do
      running || die "the processes exited during start (see $LOG)"
      [ "$SECONDS" -lt "$deadline" ] || die "the web server did not answer $URL/admin/login/ in 60 s (see $LOG)"
      sleep 0.5
    done
  fi
  cat <<TXT

  The system is up.
    API and admin   $URL/admin/   (create an editor: .venv/bin/python manage.py createsuperuser)
    Dashboard       $URL/admin/analytics/dashboard/
    API docs        $URL/api/docs/
    Health          $URL/healthz
    Processes       $(processes)   (make status)
    Logs            var/log/system.log (make logs); services' logs in var/log/
    Stop            make down
TXT
}

stop() {
  if running; then
    local pid tree; pid=$(cat "$PIDFILE")
    tree="$pid $(descendants "$pid")"
    kill -TERM "$pid" 2>/dev/null || true  # honcho passes SIGTERM on to every process
    local deadline=$((SECONDS + 30))
    while any_alive $tree && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.3; done
    for p in $tree; do kill -KILL "$p" 2>/dev/null || true; done
  fi
  rm -f "$PIDFILE"
  echo "system: stopped"
}

status() {
  if running; then
    echo "system: running (pid $(cat "$PIDFILE")); processes:"
    local pids; pids=$(descendants "$(cat "$PIDFILE")" | paste -sd, -)
    ps -o pid=,args= -p "$pids" | grep -vE 'honcho|/bin/sh -c' | sed 's/^/  /'
  else
    echo "system: not running"; return 1
  fi
}

case "${1:-status}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) die "unknown action '${1}' (start, stop or status)" ;;
esac
