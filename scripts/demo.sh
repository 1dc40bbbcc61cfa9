#!/usr/bin/env bash
# `make demo`: the quickstart against the freshly built provider, end to end
# and offline. It builds the provider and the two mocks, starts mock Keywhiz
# (seeded with the app's secrets, one expiring soon), mock Registry and moto
# on free loopback ports, points the provider at them through S2S_*
# environment variables, runs `terraform apply` in .demo/ (a fresh copy of
# examples/quickstart) and prints the outputs and what the mocks now hold.
# Everything it started is stopped on every exit path.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
case "$target" in /*) ;; *) target=$root/$target ;; esac
venv=${S2S_VENV:-$root/.venv}
work=$root/.demo
terraform=${TF_ACC_TERRAFORM_PATH:-$root/acceptance-tests/bin/terraform}
identity=spiffe://example.internal/platform/terraform

pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]:-}"; do
    [ -n "$pid" ] || continue
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "==> building the provider and the mocks"
(cd "$root" && cargo build --quiet -p terraform-provider-s2s -p mock-keywhiz -p mock-registry)

rm -rf "$work"
mkdir -p "$work/mocks"
cp -r "$root/examples/quickstart/." "$work/"

# The JSON line a mock prints once it listens.
wait_for_line() {
  local file=$1 name=$2
  for _ in $(seq 200); do
    if [ -s "$file" ] && head -1 "$file" | grep -q '^{'; then return 0; fi
    sleep 0.05
  done
  echo "$name did not start; its log:" >&2
  cat "$file" "$file.err" >&2 || true
  return 1
}
# field FILE KEY...: a value from the mock's JSON line (numeric keys index lists).
field() {
  python3 -c '
import json, sys
value = json.loads(open(sys.argv[1]).readline())
for key in sys.argv[2:]:
    value = value[int(key)] if key.isdigit() else value[key]
print(value)' "$@"
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

expiry=$(( $(date +%s) + 10 * 86400 ))
cat > "$work/mocks/keywhiz-seed.json" <<JSON
{"secrets": [
  {"name": "payments:db-password", "content": "ZGVtby1kYi1wYXNzd29yZA==", "type": "password"},
  {"name": "payments-api-key", "content": "ZGVtby1hcGkta2V5", "type": "password", "expiry": $expiry}
]}
JSON

echo "==> starting mock Keywhiz, mock Registry (one test PKI) and moto"
"$target/debug/mock-keywhiz" --pki-dir "$work/mocks/pki" --seed "$work/mocks/keywhiz-seed.json" \
  --automation-client terraform --automation-spiffe-id "terraform=$identity" \
  > "$work/mocks/keywhiz.json" 2> "$work/mocks/keywhiz.json.err" &
pids+=($!)
wait_for_line "$work/mocks/keywhiz.json" mock-keywhiz
"$target/debug/mock-registry" --pki-dir "$work/mocks/pki" --trust-domain example.internal \
  --admin-spiffe-id "$identity" \
  > "$work/mocks/registry.json" 2> "$work/mocks/registry.json.err" &
pids+=($!)
wait_for_line "$work/mocks/registry.json" mock-registry
moto_port=$(free_port)
"$venv/bin/moto_server" -H 127.0.0.1 -p "$moto_port" > "$work/mocks/moto.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do
  python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$moto_port),0.2)" 2>/dev/null && break
  sleep 0.05
done

kw=$work/mocks/keywhiz.json
reg=$work/mocks/registry.json
export S2S_KEYWHIZ_URL=$(field "$kw" url)
export S2S_REGISTRY_URL=$(field "$reg" url)
export S2S_CLIENT_CERTIFICATE=$(field "$kw" automation_clients 0 cert)
export S2S_CLIENT_KEY=$(field "$kw" automation_clients 0 key)
export S2S_CA_BUNDLE=$(field "$kw" automation_clients 0 ca)
export S2S_AWS_ENDPOINT=http://127.0.0.1:$moto_port S2S_AWS_REGION=eu-west-1
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=eu-west-1 AWS_EC2_METADATA_DISABLED=true
echo "    Keywhiz  $S2S_KEYWHIZ_URL"
echo "    Registry $S2S_REGISTRY_URL"
echo "    moto     $S2S_AWS_ENDPOINT (account 123456789012)"

cat > "$work/.terraformrc" <<RC
provider_installation {
  dev_overrides {
    "registry.example.internal/platform/s2s" = "$target/debug"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE=$work/.terraformrc CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1

echo "==> terraform apply examples/quickstart (in $work)"
cd "$work"
"$terraform" apply -auto-approve -input=false
echo
echo "==> terraform plan (must be empty)"
"$terraform" plan -detailed-exitcode -input=false > "$work/plan.txt" && echo "    no changes"

echo
echo "==> what the mocks hold now"
curl -s "$(field "$reg" admin_url)/__admin/state" | python3 -c '
import json,sys
s=json.load(sys.stdin)
for name,a in s["apps"].items():
    print("    Registry app %s: certificate_generation=%s accounts=%s functions=%s" % (name, a["certificate_generation"], [x["account_id"]+"/"+x["environment"] for x in a["accounts"]], list(a["functions"])))'
curl -s "$(field "$kw" admin_url)/__admin/state" | python3 -c '
import json,sys
s=json.load(sys.stdin)
for name,g in s["groups"].items():
    secrets=[n for n,x in s["secrets"].items() if name in x.get("groups",[])]
    clients=[n for n,c in s["clients"].items() if name in c.get("groups",[])]
    print("    Keywhiz group %s: secrets=%s clients=%s" % (name, secrets, clients))'
