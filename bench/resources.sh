#!/usr/bin/env bash
# s2s resources against the mocks: plan+apply of 100 and 1000
# s2s_secret_assignment vs terraform_data (ratio of medians, one run,
# alternating), and mock requests per refresh for 10/100/1000 assignments.
# Run from the repository root (make bench does, after a release build).
set -euo pipefail
cd "$(dirname "$0")/.."
export S2S_PROFILE=release
cargo run --quiet --release -p xtask -- bench resources "${ROUNDS:-3}"
