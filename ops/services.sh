#!/usr/bin/env bash
# Local services for development and tests: PostgreSQL, Redis and Apache Kafka (KRaft).
#
#   ops/services.sh start|stop|status [postgres|redis|kafka ...]   (default: all three)
#
# Every action is idempotent. `start` installs what is missing (Debian packages, Maven
# artifacts), starts the service, and returns only once it really answers. A port taken by
# something else, or a start that fails, ends with one readable line and a non-zero exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VAR="$ROOT/var"
LOG="$VAR/log"
RUN="$VAR/run"
CACHE="$ROOT/.cache"
PY="${PYTHON:-$ROOT/.venv/bin/python}"

PG_PORT="${PG_PORT:-5432}"
PG_USER="${PG_USER:-papers}"
PG_PASSWORD="${PG_PASSWORD:-papers}"
PG_DB="${PG_DB:-papers}"
REDIS_PORT="${REDIS_PORT:-6379}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP="${KAFKA_HEAP:--Xms512m -Xmx768m}"
KAFKA_LIBS="$CACHE/kafka/libs"
# A second broker (tests of a broker outage) runs with KAFKA_INSTANCE=<name> and other ports.
KAFKA_INSTANCE="${KAFKA_INSTANCE:-kafka}"
# KAFKA_BROKERS=3: a three-node KRaft cluster (each node broker and controller) on this
# machine, node n on KAFKA_PORT + 2(n-1) and the port after it; replication factor 3,
# min.insync.replicas 2. Node n's files are under var/<instance>-<n>.
KAFKA_BROKERS="${KAFKA_BROKERS:-1}"
case "$KAFKA_BROKERS" in 1|3) ;; *) printf 'services: KAFKA_BROKERS must be 1 or 3\n' >&2; exit 1;; esac
KAFKA_BASE_PORT="$KAFKA_PORT"
KAFKA_BASE_CONTROLLER_PORT="$KAFKA_CONTROLLER_PORT"
kafka_node() {  # point the KAFKA_* variables at node $1 (of a cluster) or the single broker
  local n=$1
  if [ "$KAFKA_BROKERS" = 1 ]; then
    KAFKA_NODE_ID=1; KAFKA_PORT=$KAFKA_BASE_PORT; KAFKA_CONTROLLER_PORT=$KAFKA_BASE_CONTROLLER_PORT
    KAFKA_NAME="$KAFKA_INSTANCE"
  else
    KAFKA_NODE_ID=$n
    KAFKA_PORT=$((KAFKA_BASE_PORT + 2 * (n - 1)))
    KAFKA_CONTROLLER_PORT=$((KAFKA_BASE_PORT + 2 * (n - 1) + 1))
    KAFKA_NAME="$KAFKA_INSTANCE-$n"
  fi
  KAFKA_DIR="$VAR/$KAFKA_NAME"
  KAFKA_PID="$RUN/$KAFKA_NAME.pid"
  KAFKA_LOG="$LOG/$KAFKA_NAME"
}
kafka_node 1

mkdir -p "$LOG" "$RUN"

say() { printf '%s\n' "$*"; }
die() { printf 'services: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "need root (or sudo) to run: $*"; fi
}

apt_install() {
  say "services: installing Debian packages: $*"
  if [ ! -f "$VAR/.apt-updated" ]; then
    as_root apt-get update -qq >"$LOG/apt.log" 2>&1 || die "apt-get update failed (see $LOG/apt.log)"
    touch "$VAR/.apt-updated"
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >>"$LOG/apt.log" 2>&1 \
    || die "apt-get install $* failed (see $LOG/apt.log)"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_for SECONDS DESCRIPTION COMMAND...: retry COMMAND until it succeeds or time runs out.
wait_for() {
  local seconds=$1 what=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.3
  done
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# --- PostgreSQL: Debian's cluster, started with pg_ctlcluster --------------------------------
pg_version() { ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1; }

pg_cluster() {
  # The cluster that owns PG_PORT, or the newest version's "main".
  local line
  line=$(pg_lsclusters -h 2>/dev/null | awk -v p="$PG_PORT" '$3 == p {print $1" "$2; exit}')
  if [ -n "$line" ]; then say "$line"; else say "$(pg_version) main"; fi
}

pg_ready() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; }

pg_psql() { as_root runuser -u postgres -- psql -p "$PG_PORT" -v ON_ERROR_STOP=1 -qtA "$@"; }

# Settings of our own, in the cluster's conf.d (Debian's postgresql.conf includes it):
# shared buffers large enough to hold the plagiarism index's buckets (README: the index past
# one server). Returns 0 when it changed the file (a running server must restart).
PG_SHARED_BUFFERS="${PG_SHARED_BUFFERS:-2GB}"
pg_tune() {
  local conf="/etc/postgresql/$1/$2/conf.d/papers.conf"
  local want="# Written by ops/services.sh (PG_SHARED_BUFFERS): the plagiarism index in memory.
shared_buffers = '$PG_SHARED_BUFFERS'"
  [ "$(cat "$conf" 2>/dev/null)" = "$want" ] && return 1
  printf '%s\n' "$want" | as_root tee "$conf" >/dev/null
}

postgres_start() {
  if ! command -v pg_ctlcluster >/dev/null || [ -z "$(pg_version)" ]; then
    apt_install postgresql
  fi
  local version cluster
  read -r version cluster < <(pg_cluster)
  if ! pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c' | grep -q .; then
    as_root pg_createcluster --port "$PG_PORT" "$version" "$cluster" >>"$LOG/postgres.log" 2>&1 \
      || die "postgres: could not create cluster $version/$cluster (see $LOG/postgres.log)"
  fi
  ln -sf "/var/log/postgresql/postgresql-$version-$cluster.log" "$LOG/postgres.log"
  local tuned=""
  pg_tune "$version" "$cluster" && tuned=yes
  if pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c && $4 == "online"' | grep -q .; then
    if [ -n "$tuned" ]; then
      as_root pg_ctlcluster "$version" "$cluster" restart \
        || die "postgres: pg_ctlcluster $version $cluster restart failed (see $LOG/postgres.log)"
    fi
  else
    if port_open "$PG_PORT"; then die "postgres: port $PG_PORT is taken by another process"; fi
    as_root pg_ctlcluster "$version" "$cluster" start \
      || die "postgres: pg_ctlcluster $version $cluster start failed (see $LOG/postgres.log)"
  fi
  wait_for 60 postgres pg_ready || die "postgres: not answering on 127.0.0.1:$PG_PORT after 60 s (see $LOG/postgres.log)"
  # The role may create databases: pytest-django creates test_<name> next to the main one.
  if [ "$(pg_psql -c "SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER'")" != 1 ]; then
    pg_psql -c "CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD'"
  fi
  if [ "$(pg_psql -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" != 1 ]; then
    pg_psql -c "CREATE DATABASE $PG_DB OWNER $PG_USER"
  fi
  say "postgres: up on 127.0.0.1:$PG_PORT (cluster $version/$cluster, database $PG_DB)"
}

postgres_stop() {
  command -v pg_lsclusters >/dev/null || { say "postgres: not installed"; return; }
  local version cluster
  read -r version cluster < <(pg_cluster)
  if pg_ready; then
    as_root pg_ctlcluster "$version" "$cluster" stop -m fast || die "postgres: stop failed"
  fi
  say "postgres: stopped"
}

postgres_status() {
  if command -v pg_isready >/dev/null && pg_ready; then say "postgres: up on 127.0.0.1:$PG_PORT"
  else say "postgres: down"; return 1; fi
}

# --- Redis: Debian's redis-server, run with the project's own pid, log and data folders -----
redis_ping() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }

redis_start() {
  command -v redis-server >/dev/null || apt_install redis-server
  if redis_ping; then say "redis: up on 127.0.0.1:$REDIS_PORT"; return; fi
  if port_open "$REDIS_PORT"; then die "redis: port $REDIS_PORT is taken by another process"; fi
  mkdir -p "$VAR/redis"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes \
    --pidfile "$RUN/redis.pid" --logfile "$LOG/redis.log" --dir "$VAR/redis" \
    || die "redis: redis-server failed to start (see $LOG/redis.log)"
  wait_for 30 redis redis_ping || die "redis: not answering on 127.0.0.1:$REDIS_PORT (see $LOG/redis.log)"
  say "redis: up on 127.0.0.1:$REDIS_PORT"
}

redis_stop() {
  if redis_ping; then redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true; fi
  wait_for 15 redis bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$REDIS_PORT)" || die "redis: still running"
  rm -f "$RUN/redis.pid"
  say "redis: stopped"
}

redis_status() {
  if command -v redis-cli >/dev/null && redis_ping; then say "redis: up on 127.0.0.1:$REDIS_PORT"
  else say "redis: down"; return 1; fi
}

# --- Kafka: the broker jars from Maven Central, one KRaft node (broker + controller) ---------
kafka_java() {
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  java -cp "$KAFKA_LIBS/*" "$@"
}

kafka_resolve() {
  [ -f "$KAFKA_LIBS/.complete" ] && return
  command -v mvn >/dev/null || apt_install maven openjdk-17-jdk-headless
  say "kafka: resolving the broker from Maven Central into $KAFKA_LIBS (once)"
  rm -rf "$KAFKA_LIBS"
  mvn -q -B -f "$ROOT/ops/kafka/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIBS" >"$LOG/kafka-mvn.log" 2>&1 \
    || die "kafka: mvn dependency:copy-dependencies failed (see $LOG/kafka-mvn.log)"
  touch "$KAFKA_LIBS/.complete"
}

kafka_voters() {
  local voters="" n
  for n in 1 2 3; do voters+="${voters:+,}$n@127.0.0.1:$((KAFKA_BASE_PORT + 2 * (n - 1) + 1))"; done
  printf '%s' "$voters"
}

kafka_bootstrap() {  # what clients use: every node of the cluster
  local servers="" n
  for n in $(seq 1 "$KAFKA_BROKERS"); do kafka_node "$n"; servers+="${servers:+,}127.0.0.1:$KAFKA_PORT"; done
  printf '%s' "$servers"
}

kafka_configure() {
  mkdir -p "$KAFKA_DIR/data" "$KAFKA_LOG"
  local template="$ROOT/ops/kafka/server.properties.in"
  [ "$KAFKA_BROKERS" = 3 ] && template="$ROOT/ops/kafka/cluster.properties.in"
  sed -e "s|@PORT@|$KAFKA_PORT|g" -e "s|@CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
      -e "s|@NODE_ID@|$KAFKA_NODE_ID|g" -e "s|@VOTERS@|$(kafka_voters)|g" \
      -e "s|@DATA@|$KAFKA_DIR/data|g" "$template" >"$KAFKA_DIR/server.properties"
  if [ ! -f "$KAFKA_DIR/data/meta.properties" ]; then
    local cluster_id mode=(--standalone)
    if [ "$KAFKA_BROKERS" = 3 ]; then
      # Every node of one cluster is formatted with the same id; the voters are static.
      local id_file="$VAR/$KAFKA_INSTANCE-cluster.id"
      [ -s "$id_file" ] || kafka_java kafka.tools.StorageTool random-uuid >"$id_file" 2>>"$KAFKA_LOG.out"
      cluster_id=$(cat "$id_file"); mode=()
    else
      cluster_id=$(kafka_java kafka.tools.StorageTool random-uuid 2>>"$KAFKA_LOG.out")
    fi
    kafka_java -Dlog4j2.configurationFile="$ROOT/ops/kafka/log4j2.properties" -Dkafka.logs.dir="$KAFKA_LOG" \
      kafka.tools.StorageTool format "${mode[@]}" -t "$cluster_id" -c "$KAFKA_DIR/server.properties" \
      >>"$KAFKA_LOG.out" 2>&1 || die "kafka: formatting storage failed (see $KAFKA_LOG.out)"
  fi
}

kafka_ready() {
  "$PY" "$ROOT/ops/kafka_ready.py" "127.0.0.1:$KAFKA_PORT"
}

kafka_launch() {  # start the current node unless it already runs; does not wait
  if port_open "$KAFKA_PORT" && kafka_ready >/dev/null 2>&1; then return; fi
  pid_alive "$KAFKA_PID" && return
  for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if port_open "$port"; then die "kafka: port $port is taken by another process"; fi
  done
  kafka_configure
  # setsid: the broker outlives the shell that started it (make, CI) and gets its own group.
  # shellcheck disable=SC2086
  setsid nohup java $KAFKA_HEAP -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$ROOT/ops/kafka/log4j2.properties" -Dkafka.logs.dir="$KAFKA_LOG" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_DIR/server.properties" \
    >>"$KAFKA_LOG.out" 2>&1 </dev/null &
  echo $! >"$KAFKA_PID"
}

kafka_wait() {
  local deadline=$((SECONDS + 120))
  until kafka_ready >/dev/null 2>&1; do
    if ! pid_alive "$KAFKA_PID" && ! port_open "$KAFKA_PORT"; then
      die "kafka: the broker exited during start (see $KAFKA_LOG.out and $KAFKA_LOG/server.log)"
    fi
    [ "$SECONDS" -lt "$deadline" ] || die "kafka: no metadata answer on 127.0.0.1:$KAFKA_PORT after 120 s (see $KAFKA_LOG/server.log)"
    sleep 0.5
  done
}

kafka_start() {
  # The readiness probe is Python (kafka-python): checked here, since the probe's own output
  # is discarded while it polls.
  [ -x "$PY" ] || die "kafka: $PY is missing; run 'make venv' first"
  kafka_resolve
  local n
  # Every node first (a cluster node answers only once a quorum of controllers is up), then
  # wait for each. A broker that answers is used as it is, even one from another checkout.
  for n in $(seq 1 "$KAFKA_BROKERS"); do kafka_node "$n"; kafka_launch; done
  for n in $(seq 1 "$KAFKA_BROKERS"); do kafka_node "$n"; kafka_wait; done
  if [ "$KAFKA_BROKERS" = 1 ]; then
    say "kafka: up on 127.0.0.1:$KAFKA_PORT (KRaft, logs in $KAFKA_LOG/server.log)"
  else
    say "kafka: a cluster of $KAFKA_BROKERS KRaft nodes up on $(kafka_bootstrap) (logs in $LOG/$KAFKA_INSTANCE-<n>/server.log)"
  fi
}

kafka_stop() {
  # Every node is asked to stop before any is waited for: stopped one after another, the last
  # nodes of a cluster lose their controller quorum and hang in their controlled shutdown
  # until the 60 s below run out.
  local n pid pids=()
  for n in $(seq 1 "$KAFKA_BROKERS"); do
    kafka_node "$n"
    if pid_alive "$KAFKA_PID"; then
      pid=$(cat "$KAFKA_PID")
      kill -TERM "$pid"
      pids+=("$pid")
    fi
    rm -f "$KAFKA_PID"
  done
  for pid in "${pids[@]}"; do
    wait_for 60 kafka bash -c "! kill -0 $pid" || { kill -KILL "$pid" 2>/dev/null || true; }
  done
  say "kafka: stopped"
}

kafka_status() {
  local n rc=0
  for n in $(seq 1 "$KAFKA_BROKERS"); do
    kafka_node "$n"
    if port_open "$KAFKA_PORT" && kafka_ready >/dev/null 2>&1; then say "kafka: up on 127.0.0.1:$KAFKA_PORT"
    else say "kafka: down on 127.0.0.1:$KAFKA_PORT"; rc=1; fi
  done
  return "$rc"
}

# ----------------------------------------------------------------------------------------------
action="${1:-status}"; shift || true
services=("$@"); [ ${#services[@]} -gt 0 ] || services=(postgres redis kafka)
case "$action" in start|stop|status) ;; *) die "unknown action '$action' (start, stop or status)";; esac
rc=0
for service in "${services[@]}"; do
  case "$service" in postgres|redis|kafka) ;; *) die "unknown service '$service' (postgres, redis or kafka)";; esac
  "${service}_${action}" || rc=1
done
exit "$rc"
