#!/usr/bin/env bash
# Runs the whole test suite: unit tests (no network) and integration tests (real HTTP on port 0, own
# redis-server processes, fake backends, headless Chromium, the benchmark smoke run).
set -euo pipefail
cd "$(dirname "$0")"
. scripts/java-home.sh
missing=""
for tool in redis-server redis-cli chromium wrk npm nginx haproxy curl jq; do
  command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then
  echo "missing:$missing (Debian: apt-get install -y redis-server redis-tools chromium wrk npm nginx haproxy curl jq)" >&2
  exit 1
fi
exec ./mvnw -B verify "$@"
