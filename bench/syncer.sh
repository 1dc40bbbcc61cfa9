#!/usr/bin/env bash
# The syncer's cost per run (Keywhiz requests, contents fetched, Secrets
# Manager calls, wall time) for a no-op and a 10%-rotation sync at
# M = 10, 100, 1000, and the monthly API cost per secret beside reading
# every secret on every run. Runs from the repo root with S2S_VENV set (moto comes from it);
# the syncer's JSON log goes to bench-out/syncer.log.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export S2S_VENV="${S2S_VENV:-$PWD/.venv}"
[ $# -gt 0 ] || set -- 10 100 1000
mkdir -p bench-out
if ! cargo run --quiet --release -p syncer --example syncer-bench -- "$@" 2> bench-out/syncer.log; then
  tail -20 bench-out/syncer.log >&2
  exit 1
fi
