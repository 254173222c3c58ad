#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft mode, no ZooKeeper, no Docker) for the Kafka tests
# and for local development.
#
#   scripts/kafka-local.sh fetch                         download the broker jars (Maven Central) into the cache; nothing else
#   scripts/kafka-local.sh start [--dir D] [--port P] [--controller-port C] [--timeout S]
#                                                        format D once (KRaft), start the broker in the background,
#                                                        wait until it serves, print its bootstrap address (host:port)
#   scripts/kafka-local.sh stop  [--dir D] [--timeout S] stop the broker started in D (TERM, then KILL after S seconds)
#   scripts/kafka-local.sh status [--dir D]              print "running <host:port>" or "stopped"
#
# A second `start` on the same D reuses its storage and ports (restart after stop: nothing lost).
# Environment: KAFKA_LOCAL_VERSION (default 3.9.2), KAFKA_LOCAL_CACHE (default <repo>/.cache/kafka),
# KAFKA_LOCAL_HEAP (default -Xms128m -Xmx512m). Needs java (17+) and, for fetch, mvn.
# Progress goes to stderr; stdout carries only the result (the bootstrap address for start).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION="${KAFKA_LOCAL_VERSION:-3.9.2}"
CACHE="${KAFKA_LOCAL_CACHE:-$ROOT/.cache/kafka}"
LIB="$CACHE/$VERSION/lib"
HEAP="${KAFKA_LOCAL_HEAP:--Xms128m -Xmx512m}"

log() { echo "kafka-local: $*" >&2; }
die() { echo "kafka-local: $*" >&2; exit 1; }

fetch() {
  if [ -f "$LIB/.complete" ]; then log "Kafka $VERSION jars cached in $LIB"; return 0; fi
  command -v mvn >/dev/null 2>&1 || die "couldn't fetch Kafka $VERSION: mvn is not installed (apt-get install maven)"
  log "fetching Kafka $VERSION from Maven Central into $LIB"
  local tmp="$LIB.tmp.$$"
  rm -rf "$tmp"
  mvn -B -q -f "$ROOT/scripts/kafka/pom.xml" -Dkafka.version="$VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" >&2 \
    || { rm -rf "$tmp"; die "couldn't fetch Kafka $VERSION: mvn dependency:copy-dependencies failed"; }
  ls "$tmp"/kafka_2.13-"$VERSION".jar >/dev/null 2>&1 || { rm -rf "$tmp"; die "couldn't fetch Kafka $VERSION: kafka_2.13-$VERSION.jar missing"; }
  rm -rf "$LIB"
  mv "$tmp" "$LIB"
  touch "$LIB/.complete"
  log "fetched $(ls "$LIB" | wc -l) jars"
}

# A TCP port on 127.0.0.1 that nothing listens on (the broker binds it right after; tests pass their own).
pick_port() {
  local p
  for _ in $(seq 1 50); do
    p=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  die "couldn't find a free port"
}

running_pid() {
  local pidfile="$1/broker.pid" pid
  [ -f "$pidfile" ] || return 1
  pid="$(cat "$pidfile")"
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

prop() { sed -n "s/^$2=//p" "$1/server.properties" | head -n1; }

DIR="$CACHE/broker"; PORT=""; CPORT=""; TIMEOUT=90
cmd="${1:-}"; [ $# -gt 0 ] && shift
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) DIR="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    --controller-port) CPORT="$2"; shift 2 ;;
    --timeout) TIMEOUT="$2"; shift 2 ;;
    *) die "unknown option $1 (see the header of $0)" ;;
  esac
done

start() {
  command -v java >/dev/null 2>&1 || die "couldn't start Kafka: java is not installed (apt-get install openjdk-17-jre-headless)"
  fetch
  mkdir -p "$DIR"
  DIR="$(cd "$DIR" && pwd)"
  if pid="$(running_pid "$DIR")"; then
    log "already running (pid $pid)"
    echo "127.0.0.1:$(prop "$DIR" port.local)"
    return 0
  fi
  local cp="$LIB/*"
  if [ ! -f "$DIR/server.properties" ]; then
    PORT="${PORT:-$(pick_port)}"; CPORT="${CPORT:-$(pick_port)}"
    [ "$PORT" != "$CPORT" ] || die "broker and controller ports must differ"
    cat > "$DIR/server.properties" <<PROPS
# written by scripts/kafka-local.sh: one node that is both broker and KRaft controller
port.local=$PORT
node.id=1
process.roles=broker,controller
controller.quorum.voters=1@127.0.0.1:$CPORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CPORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$DIR/data
num.partitions=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
PROPS
    cat > "$DIR/log4j.properties" <<PROPS
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$DIR/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
PROPS
    local cluster
    # A base64url cluster id may begin with '-', which the storage tool's
    # argument parser reads as an option (seen in CI): draw again until it
    # doesn't, and pass it as --cluster-id=<id> so it can't be mistaken.
    cluster="-"
    while [ "${cluster#-}" != "$cluster" ]; do
      cluster="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    done
    log "formatting KRaft storage in $DIR/data (cluster $cluster)"
    java -Dlog4j.configuration="file:$DIR/log4j.properties" -cp "$cp" kafka.tools.StorageTool \
      format --cluster-id="$cluster" -c "$DIR/server.properties" >"$DIR/format.out" 2>&1 \
      || die "couldn't format storage: $(tail -n 5 "$DIR/format.out")"
  fi
  PORT="$(prop "$DIR" port.local)"
  local mark=0
  [ -f "$DIR/server.log" ] && mark="$(wc -l < "$DIR/server.log")"
  log "starting Kafka $VERSION on 127.0.0.1:$PORT (logs: $DIR/server.log)"
  # shellcheck disable=SC2086
  nohup java $HEAP -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$DIR/log4j.properties" -cp "$cp" kafka.Kafka "$DIR/server.properties" \
    >"$DIR/broker.out" 2>&1 </dev/null &
  echo $! > "$DIR/broker.pid"
  local pid=$! deadline=$(( SECONDS + TIMEOUT ))
  while :; do
    kill -0 "$pid" 2>/dev/null || die "broker exited during start-up: $(tail -n 20 "$DIR/broker.out" "$DIR/server.log" 2>/dev/null)"
    if [ -f "$DIR/server.log" ] && tail -n "+$(( mark + 1 ))" "$DIR/server.log" | grep -q 'Kafka Server started'; then break; fi
    [ $SECONDS -lt $deadline ] || { kill -KILL "$pid" 2>/dev/null || true; die "broker not ready after ${TIMEOUT}s"; }
    sleep 0.2
  done
  log "ready (pid $pid)"
  echo "127.0.0.1:$PORT"
}

stop() {
  local pid
  if ! pid="$(running_pid "$DIR")"; then log "not running"; rm -f "$DIR/broker.pid"; return 0; fi
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$(( SECONDS + TIMEOUT ))
  while kill -0 "$pid" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then log "no exit after ${TIMEOUT}s: killing"; kill -KILL "$pid" 2>/dev/null || true; fi
    sleep 0.1
  done
  rm -f "$DIR/broker.pid"
  log "stopped (pid $pid)"
}

case "$cmd" in
  fetch) fetch ;;
  start) start ;;
  stop) [ "$TIMEOUT" = 90 ] && TIMEOUT=30; stop ;;
  status) if pid="$(running_pid "$DIR")"; then echo "running 127.0.0.1:$(prop "$DIR" port.local)"; else echo stopped; fi ;;
  *) die "usage: $0 fetch | start [--dir D] [--port P] [--controller-port C] [--timeout S] | stop [--dir D] | status [--dir D]" ;;
esac
