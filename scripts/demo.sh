#!/usr/bin/env bash
# `make demo`: terraform apply examples/quickstart against the freshly built
# provider, printing the outputs. Runs in .demo/ (a fresh copy each time) so
# the example directory stays clean; whatever it starts is stopped on exit,
# whether the apply succeeds or not.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
case "$target" in /*) ;; *) target=$root/$target ;; esac
work=$root/.demo
terraform=${TF_ACC_TERRAFORM_PATH:-$root/acceptance-tests/bin/terraform}

pids=()
cleanup() {
  for pid in "${pids[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  return 0
}
trap cleanup EXIT INT TERM

rm -rf "$work"
mkdir -p "$work"
cp -r "$root/examples/quickstart/." "$work/"
cat > "$work/.terraformrc" <<RC
provider_installation {
  dev_overrides {
    "s2s/s2s" = "$target/debug"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE=$work/.terraformrc CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1

echo "==> terraform apply examples/quickstart (in $work)"
cd "$work"
"$terraform" apply -auto-approve -input=false
