#!/usr/bin/env bash
# `make fuzz`: runs each fuzz target (fuzz/libfuzzer, cargo-fuzz + libFuzzer)
# for FUZZ_SECONDS (default 60), one after the other, one job each (the build
# machines have 2 shared cores). New inputs go to fuzz/libfuzzer/corpus/<t>
# (not committed); the committed seeds in fuzz/corpus/<t> are read, never
# written. A crash stops the run with libFuzzer's exit status and leaves the
# input in fuzz/libfuzzer/artifacts/<t>/: minimise it (cargo fuzz tmin), fix
# the bug and commit the input to fuzz/corpus/<t>/ as a regression (cargo test
# replays it).
#
#   make fuzz                              # every target, 60 s each
#   FUZZ_SECONDS=600 FUZZ_TARGETS=syncer_planner make fuzz
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SECONDS_EACH="${FUZZ_SECONDS:-60}"
CARGO_FUZZ_VERSION=0.13.2
if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
  echo "==> installing cargo-fuzz $CARGO_FUZZ_VERSION from crates.io"
  cargo install cargo-fuzz --locked --version "$CARGO_FUZZ_VERSION"
fi
read -r -a TARGETS <<< "${FUZZ_TARGETS:-policy_parse_eval keywhiz_decode registry_decode syncer_planner tfplugin_msgpack tfplugin_json}"
# --sanitizer none: cargo-fuzz then passes only stable rustc flags (coverage
# instrumentation), so the stable toolchain builds it without RUSTC_BOOTSTRAP.
# -a: debug assertions (overflow checks) in the optimised build.
FUZZ=(cargo fuzz run --fuzz-dir fuzz/libfuzzer --sanitizer none --debug-assertions --release)
for t in "${TARGETS[@]}"; do
  mkdir -p "fuzz/libfuzzer/corpus/$t"
  echo "==> $t: ${SECONDS_EACH}s"
  start=$(date +%s)
  "${FUZZ[@]}" "$t" "fuzz/libfuzzer/corpus/$t" "fuzz/corpus/$t" -- \
    -max_total_time="$SECONDS_EACH" -jobs=1 -workers=1 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 2> "target/fuzz-$t.log" || {
      tail -40 "target/fuzz-$t.log" >&2
      echo "FAIL: $t crashed; the input is in fuzz/libfuzzer/artifacts/$t/" >&2
      exit 1
    }
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "target/fuzz-$t.log" | grep -o '[0-9]*$' | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "target/fuzz-$t.log" | tail -1 | grep -o '[0-9]*')
  echo "    $t: $(( $(date +%s) - start ))s, ${runs:-?} inputs, coverage ${cov:-?} edges, no crash"
done
