#!/usr/bin/env bash
# `make demo`: the quickstart against the freshly built provider, end to end
# and offline. It releases the provider for this machine with
# scripts/release.sh (what `make release` runs, signed with a throwaway key)
# into target/demo-release and installs it as users do: `terraform init` from
# that release's filesystem mirror, no dev_overrides. It starts mock Keywhiz
# (seeded with the app's secrets, one expiring soon), mock Registry and moto
# on free loopback ports, points the provider at them through S2S_*
# environment variables, runs `terraform apply` in .demo/ (a fresh copy of
# examples/quickstart) and prints the outputs and what the mocks now hold.
# Then the mesh path: the test mesh (SNI gateway + mTLS services), the
# cert-issuer writing the app's certificate, the syncer copying its secrets,
# the mTLS proxy, and the quickstart's Python function calling `payments`
# through the gateway and reading its synced secret (names only, no values).
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

echo "==> building the provider, the mocks, the issuer, the syncer and the mTLS proxy"
# The same build as `make build`, so that after it this is a no-op (a subset of
# packages would resolve features differently and rebuild dependencies).
(cd "$root" && cargo build --quiet --workspace --bins --examples)

# The provider as users get it: the release for this machine's platform.
release_dir=$target/demo-release
version=$(sed -n '/^\[package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' "$root/provider/Cargo.toml" | head -1)
echo "==> make release VERSION=$version for linux/$(uname -m) (into $release_dir; log $target/demo-release.log)"
S2S_RELEASE_DIR=$release_dir S2S_RELEASE_TARGETS="$(uname -m)-unknown-linux-musl" \
  S2S_GPG_THROWAWAY=1 S2S_VENV=$venv VERSION=$version \
  bash "$root/scripts/release.sh" > "$target/demo-release.log" 2>&1 ||
  { tail -40 "$target/demo-release.log" >&2; exit 1; }

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
{"groups": [{"name": "payments"}],
 "secrets": [
  {"name": "payments:db-password", "content": "ZGVtby1kYi1wYXNzd29yZA==", "type": "password", "owner": "payments"},
  {"name": "payments-api-key", "content": "ZGVtby1hcGkta2V5", "type": "password", "expiry": $expiry, "owner": "payments"}
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
  filesystem_mirror {
    path    = "$release_dir/mirror"
    include = ["registry.example.internal/platform/s2s"]
  }
}
RC
export TF_CLI_CONFIG_FILE=$work/.terraformrc CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1

cd "$work"
echo "==> terraform init: installs the release from its filesystem mirror"
if ! "$terraform" init -input=false > "$work/init.txt" 2>&1; then
  cat "$work/init.txt" >&2
  exit 1
fi
grep -E '^- (Installing|Installed)' "$work/init.txt" | sed 's/^/    /'
echo
echo "==> terraform apply examples/quickstart (in $work)"
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

# ---------------------------------------------------------------------------
# The mesh path: certificate, secrets, and a call through the gateway.
# ---------------------------------------------------------------------------
pki=$(dirname "$S2S_CA_BUNDLE")
moto_env=(AWS_ENDPOINT_URL="$S2S_AWS_ENDPOINT" AWS_DEFAULT_REGION=eu-west-1)
py=$venv/bin/python

echo
echo "==> the mesh: an SNI-routing gateway (TLS pass-through) and mTLS services on loopback"
"$target/debug/mock-mesh" --pki-dir "$pki" --service payments \
  --service inventory=spiffe://example.internal/ledger \
  > "$work/mocks/mesh.json" 2> "$work/mocks/mesh.json.err" &
pids+=($!)
wait_for_line "$work/mocks/mesh.json" mock-mesh
gateway=$(field "$work/mocks/mesh.json" gateway)
"$py" -c '
import json,sys
m=json.loads(open(sys.argv[1]).readline())
for host,identity in m["routes"].items():
    print("    %s -> a service presenting %s" % (host, identity))' "$work/mocks/mesh.json"
echo "    (inventory is an impostor: it presents ledger's identity)"

echo
echo "==> cert-issuer once: Registry says certificate_generation=true -> local CA -> s2s/payments/tls"
curl -s -X POST "$(field "$reg" admin_url)/__admin/identities" \
  -d '{"name":"cert-issuer","spiffe_id":"spiffe://example.internal/platform/cert-issuer"}' > "$work/mocks/issuer-identity.json"
cat > "$work/issuer.json" <<JSON
{"trust_domain": "example.internal",
 "registry_url": "$S2S_REGISTRY_URL",
 "registry_cert_file": "$(field "$work/mocks/issuer-identity.json" cert_path)",
 "registry_key_file": "$(field "$work/mocks/issuer-identity.json" key_path)",
 "registry_ca_file": "$pki/ca.pem",
 "mesh_ca_bundle_file": "$pki/ca.pem",
 "ca_backend": "local", "local_ca_dir": "$pki",
 "region": "eu-west-1",
 "ledger_file": "$work/cert-issuer-ledger.jsonl"}
JSON
env "${moto_env[@]}" "$target/debug/cert-issuer" once --config "$work/issuer.json" \
  > "$work/issuer-report.json" 2> "$work/issuer.log"
"$py" -c '
import json,sys
r=json.load(open(sys.argv[1]))
print("    issued %s, deleted %s, CA requests %s" % (r["issued"], r["deleted"], r["ca_requests"]))' "$work/issuer-report.json"
# What was issued, from the certificate only (the key is never printed).
env "${moto_env[@]}" "$py" -c '
import boto3,json
sm=boto3.client("secretsmanager")
tags={t["Key"]:t["Value"] for t in sm.describe_secret(SecretId="s2s/payments/tls").get("Tags",[])}
print(json.loads(sm.get_secret_value(SecretId="s2s/payments/tls")["SecretString"])["certificate"].split("-----END CERTIFICATE-----")[0]+"-----END CERTIFICATE-----")
import sys; print("tags: s2s-spiffe-id=%s s2s-serial=%s s2s-not-after=%s" % (tags.get("s2s-spiffe-id"), tags.get("s2s-serial"), tags.get("s2s-not-after")), file=sys.stderr)
' 2> "$work/cert-tags.txt" | openssl x509 -noout -subject -ext subjectAltName -enddate | sed 's/^/    /'
sed 's/^/    /' "$work/cert-tags.txt"

echo
echo "==> syncer once: the app's Keywhiz secrets into its Secrets Manager (it authenticates to Keywhiz with that certificate)"
cat > "$work/syncer.json" <<JSON
{"app": "payments", "trust_domain": "example.internal",
 "keywhiz_url": "$S2S_KEYWHIZ_URL", "keywhiz_ca_file": "$pki/ca.pem"}
JSON
env "${moto_env[@]}" "$target/debug/syncer" once --config "$work/syncer.json" > "$work/syncer-report.json" 2> "$work/syncer.log"
env "${moto_env[@]}" "$py" -c '
import boto3
sm=boto3.client("secretsmanager")
for s in sm.list_secrets(Filters=[{"Key":"name","Values":["keywhiz/"]}])["SecretList"]:
    print("    synced %s (value not shown)" % s["Name"])'

echo
echo "==> s2s-mtls-proxy, the mTLS layer (here as 'serve'; in Lambda it registers with the Extensions API)"
proxy_port=$(free_port)
session_token=demo-session-token
fn_env=(S2S_APP=payments S2S_ENVIRONMENT=staging S2S_TRUST_DOMAIN=example.internal
  S2S_MESH_DOMAIN=meshproxy.example.internal S2S_SPIFFE_ID=spiffe://example.internal/payments
  S2S_CERTIFICATE_SECRET=s2s/payments/tls S2S_MESH_GATEWAY="$gateway" S2S_PROXY_PORT="$proxy_port"
  S2S_PROXY_TOKEN_VARIABLE=AWS_SESSION_TOKEN AWS_SESSION_TOKEN=$session_token
  HTTP_PROXY="http://127.0.0.1:$proxy_port" NO_PROXY=localhost,127.0.0.1,169.254.169.254,169.254.170.2
  AWS_ENDPOINT_URL="$S2S_AWS_ENDPOINT" AWS_REGION=eu-west-1 AWS_DEFAULT_REGION=eu-west-1
  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing)
env -i "${fn_env[@]}" "$target/debug/s2s-mtls-proxy" serve > "$work/mocks/proxy.json" 2> "$work/proxy.log" &
pids+=($!)
wait_for_line "$work/mocks/proxy.json" s2s-mtls-proxy
echo "    listening on $(field "$work/mocks/proxy.json" proxy) as $(field "$work/mocks/proxy.json" spiffe_id), gateway $gateway"

echo
echo "==> the function (examples/quickstart/function/handler.py, no s2s library) calls payments and reads its secret"
env -i "${fn_env[@]}" "$py" "$root/examples/quickstart/function/handler.py" \
  '{"service": "payments", "path": "/charges", "secret": "keywhiz/payments@db-password"}' > "$work/function.json"
"$py" -c '
import json,sys
r=json.load(open(sys.argv[1]))
a=r["answer"]
print("    GET http://staging.payments.meshproxy.example.internal/charges -> %s" % r["status"])
print("    the payments service answered: caller=%s service=%s protocol=%s" % (a.get("caller"), a.get("service"), a.get("protocol")))
s=r["secret"]
print("    read %s from Secrets Manager: %d characters (value not shown)" % (s["name"], s["length"]))' "$work/function.json"

echo
echo "==> and what the proxy refuses: a server presenting another app's identity"
env -i "${fn_env[@]}" "$py" "$root/examples/quickstart/function/handler.py" '{"service": "inventory"}' > "$work/refused.json"
"$py" -c '
import json,sys
r=json.load(open(sys.argv[1]))
print("    GET http://staging.inventory.meshproxy.example.internal/ -> %s: %s" % (r["status"], str(r["answer"]).strip()))' "$work/refused.json"
