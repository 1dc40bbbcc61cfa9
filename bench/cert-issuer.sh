#!/usr/bin/env bash
# The cert-issuer at scale (cert-issuer/examples/cert-issuer-bench.rs): AWS
# calls per certificate (every call real, at moto), a 10,000-app x 4-account
# cycle of 40,000 certificates planned through moto's SQS with the local CA,
# the paced issue rate in virtual time against the IssueCertificate quota,
# and the monthly cost per 1,000 apps. Runs from the repo root with S2S_VENV
# set (moto comes from it); the issuer's JSON log goes to
# bench-out/cert-issuer.log. Uses the release build `make bench` makes (cargo
# build --release --workspace --bins --examples); a narrower cargo build here
# would resolve features differently and rebuild the dependencies.
#
#   bash bench/cert-issuer.sh [APPS [WORKERS [ISSUE_TPS]]]   # default 10000 5 20
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export S2S_VENV="${S2S_VENV:-$PWD/.venv}"
binary="${CARGO_TARGET_DIR:-target}/release/examples/cert-issuer-bench"
[ -x "$binary" ] || { echo "$binary is missing: run make bench (or cargo build --release --workspace --bins --examples)" >&2; exit 1; }
[ $# -gt 0 ] || set -- 10000 5 20
mkdir -p bench-out
if ! "$binary" "$@" 2> bench-out/cert-issuer.log; then
  tail -20 bench-out/cert-issuer.log >&2
  exit 1
fi
