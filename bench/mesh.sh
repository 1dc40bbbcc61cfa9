#!/usr/bin/env bash
# The mesh path (mtls-proxy/examples/mesh-bench.rs): p50/p99 per request and
# requests/s through the extension vs the same mTLS core used directly, at 1
# and 32 callers, side by side in one run; the extension's peak RSS; and its
# init, first request and shutdown over cold starts under the Extensions API
# stub, with its bundle in moto. Loopback only; bounded request counts.
# Uses the release binaries `make bench` builds (cargo build --release
# --workspace --bins --examples); a narrower cargo build here would resolve
# features differently and rebuild the dependencies.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export S2S_VENV="${S2S_VENV:-$PWD/.venv}"
target="${CARGO_TARGET_DIR:-target}/release"
for binary in "$target/s2s-mtls-proxy" "$target/examples/mesh-bench"; do
  [ -x "$binary" ] || { echo "$binary is missing: run make bench (or cargo build --release --workspace --bins --examples)" >&2; exit 1; }
done
"$target/examples/mesh-bench"
