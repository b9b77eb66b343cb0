#!/usr/bin/env bash
# One entry point for the benchmark smoke: bench/run.sh --smoke, then every drill in bench/drills/ --smoke (the
# fault checker twice: on one Redis, and on a Sentinel set-up with a failover in its schedule), one after another (the drills time leases and probes, so they do not share the two cores with each other).
#
#   bash bench/smoke.sh [--no-build]
#
# Exits non-zero only when a script is broken, a server does not answer, or a drill finds a lost slot, a
# 5xx that must not happen, a framing violation, or (hostile.sh) a server that dies or exceeds 256 MB RSS under
# hostile traffic; never on a speed figure. Each step is bounded (timeout 240 s). BenchSmokeIT runs
# this inside `./mvnw verify` with --no-build (the jar exists by then).
set -uo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

for a in "$@"; do
  case "$a" in
    --no-build) export BENCH_SKIP_BUILD=1 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown option $a" >&2; exit 64 ;;
  esac
done

steps=(run.sh drills/redis-kill.sh drills/replica-kill.sh drills/flapping-backend.sh drills/malformed.sh
       drills/hostile.sh
       drills/queue-safety.sh "drills/queue-safety.sh --sentinel")
summary=()
failed=0
t_all=$(date +%s)
for s in "${steps[@]}"; do
  echo "=== bench smoke: $s --smoke ==="
  t0=$(date +%s)
  read -ra words <<<"$s"   # a step is a script and, maybe, options of its own
  timeout --signal=TERM --kill-after=20 240 bash "$BENCH_DIR/${words[0]}" "${words[@]:1}" --smoke
  rc=$?
  dt=$(( $(date +%s) - t0 ))
  [ "$rc" = 0 ] || failed=1
  summary+=("$(printf '%-28s exit %-3s %4ss' "$s" "$rc" "$dt")")
  # the first step builds the jar if it has to; the others must not
  export BENCH_SKIP_BUILD=1
done
echo "=== bench smoke summary ($(( $(date +%s) - t_all ))s) ==="
printf '%s\n' "${summary[@]}"
if [ "$failed" = 0 ]; then echo "bench smoke: all steps passed"; else echo "bench smoke: FAILED"; fi
exit "$failed"
