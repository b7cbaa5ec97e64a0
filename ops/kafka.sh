#!/usr/bin/env bash
# Kafka's own command-line tools against the system's brokers (the jars make up resolved;
# Kafka as a Maven artifact comes without the kafka-*.sh scripts).
#
#   ops/kafka.sh topics --list
#   ops/kafka.sh topics --describe --topic paper_uploaded
#   ops/kafka.sh console-consumer --topic paper_uploaded --from-beginning --property print.headers=true
#   ops/kafka.sh console-producer --topic paper_uploaded
#   ops/kafka.sh consumer-groups --describe --group notifications
#   ops/kafka.sh consumer-groups --group notifications --topic paper_uploaded:2 \
#       --reset-offsets --shift-by 1 --execute        (skip one message; stop the group first)
#   ops/kafka.sh get-offsets --topic paper_uploaded
#
# --bootstrap-server is added from KAFKA_BOOTSTRAP_SERVERS (default 127.0.0.1:9092) unless
# given. Topic names are the full names (with KAFKA_TOPIC_PREFIX, if the system uses one).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LIBS="$ROOT/.cache/kafka/libs"
die() { printf 'kafka: %s\n' "$*" >&2; exit 1; }

[ $# -ge 1 ] || die "usage: ops/kafka.sh topics|console-consumer|console-producer|consumer-groups|get-offsets [options] (see the top of ops/kafka.sh)"
tool=$1; shift
case "$tool" in
  topics) main=org.apache.kafka.tools.TopicCommand ;;
  console-consumer) main=org.apache.kafka.tools.consumer.ConsoleConsumer ;;
  console-producer) main=org.apache.kafka.tools.ConsoleProducer ;;
  consumer-groups) main=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
  get-offsets) main=org.apache.kafka.tools.GetOffsetShell ;;
  *) die "unknown tool '$tool': topics, console-consumer, console-producer, consumer-groups or get-offsets" ;;
esac
ls "$LIBS"/kafka-tools-*.jar >/dev/null 2>&1 || die "Kafka's jars are not in $LIBS yet: run 'make up' (or ops/services.sh start kafka) once"
command -v java >/dev/null || die "java is not installed: run 'make up' once"

args=("$@")
case " $* " in
  *" --bootstrap-server "*) ;;
  *) args=(--bootstrap-server "${KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:9092}" "${args[@]}") ;;
esac
exec java -Xmx256m -Dlog4j2.configurationFile="$ROOT/ops/kafka/tools-log4j2.properties" \
  -cp "$LIBS/*" "$main" "${args[@]}"
