#!/bin/bash
# The public Flink 1.x image's interface on a bare Flink classpath (lib/ only, no bin/ scripts): `jobmanager` or
# `taskmanager`, settings from FLINK_PROPERTIES (`key: value` lines) written to conf/config.yaml, logs on stdout.
# Memory is split the way Flink's own scripts split it, by BashJavaUtils from the *.memory.process.size settings.
set -euo pipefail
conf=$FLINK_HOME/conf
classpath="$FLINK_HOME/lib/*"

write_config() {
  : >"$conf/config.yaml"
  printf '%s\n' "${FLINK_PROPERTIES:-}" | while IFS= read -r line; do
    line=$(printf '%s' "$line" | tr -d '[:space:]')
    [ -n "$line" ] || continue
    printf '%s: %s\n' "${line%%:*}" "${line#*:}" >>"$conf/config.yaml"
  done
  cat >"$conf/log4j-console.properties" <<'LOG4J'
monitorInterval = 0
rootLogger.level = INFO
rootLogger.appenderRef.console.ref = ConsoleAppender
appender.console.name = ConsoleAppender
appender.console.type = CONSOLE
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
logger.netty.name = org.apache.flink.shaded.netty4.io.netty.channel.DefaultChannelPipeline
logger.netty.level = OFF
LOG4J
}

# BashJavaUtils prints two result lines: the JVM's memory flags, then the `-D key=value` settings that go with them.
resource_params() { # GET_JM_RESOURCE_PARAMS | GET_TM_RESOURCE_PARAMS
  java -cp "$classpath" org.apache.flink.runtime.util.bash.BashJavaUtils "$1" --configDir "$conf" \
    | sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p'
}

run() { # main class, resource kind, extra args...
  local main=$1 kind=$2
  shift 2
  local params jvm dynamic
  params=$(resource_params "$kind")
  jvm=$(printf '%s\n' "$params" | sed -n 1p)
  dynamic=$(printf '%s\n' "$params" | sed -n 2p)
  # shellcheck disable=SC2086 # the flags are space-separated lists without quoting
  exec java $jvm $FLINK_JVM_OPTS -XX:+UseSerialGC \
    -Dlog4j.configurationFile="file:$conf/log4j-console.properties" \
    -cp "$classpath" "$main" --configDir "$conf" $dynamic "$@"
}

case ${1:-help} in
  jobmanager)
    write_config
    run org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint GET_JM_RESOURCE_PARAMS \
      --executionMode cluster
    ;;
  taskmanager)
    write_config
    run org.apache.flink.runtime.taskexecutor.TaskManagerRunner GET_TM_RESOURCE_PARAMS
    ;;
  help)
    echo "usage: jobmanager | taskmanager | COMMAND..." >&2
    exit 2
    ;;
  *) exec "$@" ;;
esac
