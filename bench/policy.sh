#!/usr/bin/env bash
# Policy engine benchmark: `s2s-policy check` vs parliament on the same rendered bundle files
# (alternating runs, medians, ratio from one run), and evaluator decisions per second.
# Run from the repository root. VENV points at the project venv (parliament installed there).
set -euo pipefail

VENV="${VENV:-${S2S_VENV:-$PWD/.venv}}"
RUNS="${RUNS:-9}"
TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
BIN="$TARGET/release/s2s-policy"

cargo build --quiet --release -p policy
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Render every template with the example parameter values into $work (same files for both tools).
# Every template parameter gets the example value index.json documents for it.
mapfile -t vars < <(python3 -c '
import json
for name, spec in json.load(open("policies/index.json"))["params"].items():
    print("--var"); print(name + "=" + spec["example"])')
files=()
for f in policies/scp/*.json policies/rcp/*.json policies/iam/*.json; do
  mkdir -p "$work/$(dirname "$f")"
  "$BIN" render "$f" "${vars[@]}" > "$work/$f"
  files+=("$work/$f")
done
nfiles=${#files[@]}
list=$(IFS=,; echo "${files[*]}")

now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

ours=(); theirs=()
have_parliament=0
if [ -x "$VENV/bin/parliament" ]; then have_parliament=1; fi
for _ in $(seq "$RUNS"); do
  t0=$(now_ns); "$BIN" check "$work/policies" > /dev/null || true; t1=$(now_ns)
  ours+=($(( (t1 - t0) / 1000 )))
  if [ "$have_parliament" = 1 ]; then
    t0=$(now_ns); "$VENV/bin/parliament" --files "$list" > /dev/null 2>&1 || true; t1=$(now_ns)
    theirs+=($(( (t1 - t0) / 1000 )))
  fi
done
ours_med=$(printf '%s\n' "${ours[@]}" | median)

findings_ours=$("$BIN" check --json "$work/policies" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(len(v) for v in d["files"].values()))' 2>/dev/null || echo "?")
bench_line=$("$BIN" bench --seconds "${BENCH_SECONDS:-2}")
per_sec=$(sed -n 's/.*per_second=\([0-9]*\).*/\1/p' <<<"$bench_line")
requests=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<<"$bench_line")

echo "policy engine benchmark ($nfiles rendered bundle files, $RUNS alternating runs, medians)"
printf '| %-46s | %-14s |\n' "measure" "value"
printf '|%s|%s|\n' "------------------------------------------------" "----------------"
printf '| %-46s | %11.1f ms |\n' "s2s-policy check (whole process)" "$(awk "BEGIN{print $ours_med/1000}")"
if [ "$have_parliament" = 1 ]; then
  theirs_med=$(printf '%s\n' "${theirs[@]}" | median)
  findings_theirs=$("$VENV/bin/parliament" --files "$list" 2>/dev/null | grep -c . || true)
  pver=$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("parliament"))' 2>/dev/null || echo "?")
  printf '| %-46s | %11.1f ms |\n' "parliament $pver (whole process)" "$(awk "BEGIN{print $theirs_med/1000}")"
  printf '| %-46s | %13sx |\n' "ratio parliament / s2s-policy" "$(awk "BEGIN{printf \"%.1f\", $theirs_med/$ours_med}")"
  printf '| %-46s | %14s |\n' "findings: s2s-policy / parliament" "$findings_ours / $findings_theirs"
else
  printf '| %-46s | %14s |\n' "parliament" "not in \$VENV"
fi
printf '| %-46s | %14s |\n' "evaluator decisions/s (release, $requests claims)" "$per_sec"
