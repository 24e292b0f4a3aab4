#!/usr/bin/env bash
# Builds the published artifacts twice from clean and compares their SHA-256 checksums: every jar
# (classes, -sources, -javadoc) and POM of every published module must come out byte-identical.
# Reproducibility rests on project.build.outputTimestamp in the parent POM.
#
#   scripts/check-reproducible.sh            # exit 0 when both builds match, 1 with the differences
#   MVN_ARGS=-o scripts/check-reproducible.sh
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Published modules: those that do not set lb4j.skipPublishing (the example, the benchmarks and the
# test-only modules do).
modules=()
for pom in */pom.xml; do
  if ! grep -q '<lb4j.skipPublishing>true</lb4j.skipPublishing>' "$pom"; then
    modules+=("$(dirname "$pom")")
  fi
done
list=$(IFS=,; echo "${modules[*]}")

build() {
  # Tests add nothing to the artifacts; -am builds what the modules need from the reactor.
  ./mvnw -B -q -ntp ${MVN_ARGS:-} clean package -DskipTests -pl "$list" -am >"$work/build-$1.log" 2>&1 || {
    cat "$work/build-$1.log"; echo "build $1 failed" >&2; exit 2; }
  for m in "${modules[@]}"; do
    # The POM as published, and every jar the module attaches.
    sha256sum "$m/pom.xml"
    if compgen -G "$m/target/*.jar" >/dev/null; then
      sha256sum "$m"/target/*.jar
    fi
  done | sort -k2 >"$work/sums-$1"
}

build 1
build 2
count=$(wc -l <"$work/sums-1")
if diff -u "$work/sums-1" "$work/sums-2"; then
  echo "reproducible: $count artifacts of ${#modules[@]} modules (${list}) identical in two builds"
else
  echo "NOT reproducible: the checksums above differ between two builds" >&2
  exit 1
fi
