#!/usr/bin/env bash
# The mesh path (mtls-proxy/examples/mesh-bench.rs): p50/p99 per request and
# requests/s through the extension vs the same mTLS core used directly, at 1
# and 32 callers, side by side in one run; the extension's peak RSS; and its
# init, first request and shutdown over cold starts under the Extensions API
# stub, with its bundle in moto. Loopback only; bounded request counts.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export S2S_VENV="${S2S_VENV:-$PWD/.venv}"
cargo build --quiet --release -p s2s-mtls-proxy --bin s2s-mtls-proxy --example mesh-bench
target="${CARGO_TARGET_DIR:-target}"
"$target/release/examples/mesh-bench"
