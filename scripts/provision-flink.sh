#!/usr/bin/env bash
# Pre-downloads what the end-to-end suite needs for every Flink version in test/e2e/flink-dist/versions:
# the cluster's lib/ (Maven Central jars, see test/e2e/flink-dist/pom.xml) and the test job built against it.
# Same cache layout as test/e2e/harness/provision.ts, so the tests then find everything in place:
#   ${FLINK_E2E_CACHE:-test/e2e/.cache}/flink-<version>/lib/
#   ${FLINK_E2E_CACHE:-test/e2e/.cache}/flink-<version>/job/flink-guardian-test-job.jar
# Idempotent and quiet: a warm run only checks that the files are there (well under a second).
# Environment: FLINK_E2E_VERSIONS (comma separated, overrides the list), FLINK_E2E_CACHE, FLINK_E2E_MVN (mvn),
# FLINK_E2E_MVN_ARGS (extra Maven arguments, e.g. -Dmaven.repo.local=...).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${FLINK_E2E_CACHE:-$root/test/e2e/.cache}"
mvn_cmd="${FLINK_E2E_MVN:-mvn}"
# shellcheck disable=SC2206
mvn_extra=(${FLINK_E2E_MVN_ARGS:-})
versions_file="$root/test/e2e/flink-dist/versions"

log4j_for() {
  local v="$1" flink log4j
  while read -r flink log4j _; do
    [[ "$flink" == "$v" ]] && { echo "$log4j"; return; }
  done < <(sed 's/#.*//' "$versions_file")
  if [[ "${v%%.*}" -ge 2 ]]; then echo 2.25.3; else echo 2.24.3; fi
}

if [[ -n "${FLINK_E2E_VERSIONS:-}" ]]; then
  IFS=',' read -r -a versions <<< "$FLINK_E2E_VERSIONS"
else
  mapfile -t versions < <(sed 's/#.*//' "$versions_file" | awk 'NF { print $1 }')
fi

run_mvn() {
  local out
  if ! out="$("$mvn_cmd" -q -B "${mvn_extra[@]}" "$@" 2>&1)"; then
    echo "provision-flink: $mvn_cmd $* failed:" >&2
    echo "$out" >&2
    exit 1
  fi
}

for v in "${versions[@]}"; do
  base="$cache/flink-$v"
  mkdir -p "$base"
  if [[ ! -d "$base/lib" ]]; then
    staging="$base/lib.tmp-$$"
    rm -rf "$staging"
    run_mvn -f "$root/test/e2e/flink-dist/pom.xml" "-Dflink.version=$v" "-Dlog4j.version=$(log4j_for "$v")" \
      dependency:copy-dependencies "-DoutputDirectory=$staging"
    # the rename is the commit point (a concurrent provisioner just loses the race)
    mv -T "$staging" "$base/lib" 2>/dev/null || rm -rf "$staging"
  fi
  jar="$base/job/flink-guardian-test-job.jar"
  if [[ ! -f "$jar" ]] || [[ -n "$(find "$root/test/flink-job/src" "$root/test/flink-job/pom.xml" -newer "$jar" -print -quit)" ]]; then
    run_mvn -f "$root/test/flink-job/pom.xml" "-Dflink.version=$v" "-Djob.buildDir=$base/job" package
  fi
  echo "provision-flink: Flink $v ready in $base"
done
