#!/usr/bin/env bash
# Foundation figures: sync-slot balance, plan cost of the provider vs
# Terraform's builtin, handshake time and peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
export S2S_PROFILE=release
bench() { cargo run --quiet --release -p xtask -- bench "$@"; }
bench slots 10000
echo
bench plan 1000
echo
bench handshake 40
