#!/usr/bin/env bash
# `make release VERSION=x.y.z`: a release of terraform-provider-s2s in the
# layout Terraform and provider registries expect, signed, plus the two ways
# to publish it (a mirror directory, a static registry).
#
#   make release VERSION=0.1.0             # build, package, sign, publish layouts
#   CHECK=1 make release VERSION=0.1.0     # also rebuild from scratch in a second
#                                          # target dir and require identical zips
#
# Writes target/provider-dist/ (S2S_RELEASE_DIR moves it):
#   VERSION/terraform-provider-s2s_VERSION_{linux_amd64,linux_arm64}.zip
#   VERSION/terraform-provider-s2s_VERSION_manifest.json   (protocol 6.0)
#   VERSION/terraform-provider-s2s_VERSION_SHA256SUMS       (+ .sig, detached)
#   signing-key.asc                                         (the public key)
#   mirror/<host>/platform/s2s/   filesystem_mirror directory = static network mirror
#   registry/                     static provider registry for <host>
# Every version already in the directory is kept and published again, so
# releases accumulate.
#
# Checks before building: VERSION is a semantic version, equals
# provider/Cargo.toml's version (what `--version` prints) and has a
# `## [VERSION]` section in CHANGELOG.md. The host binary's --version is
# checked after the build.
#
# Signing: gpg from the environment. S2S_GPG_PRIVATE_KEY (an armored secret
# key, e.g. from a CI secret; imported into a throwaway keyring that is
# deleted afterwards) or S2S_GPG_KEY_ID (a key already in $GNUPGHOME, e.g. a
# smartcard). The key's passphrase, if any, comes from gpg-agent or
# S2S_GPG_PASSPHRASE. S2S_GPG_THROWAWAY=1 signs with a key made for the run
# (make demo; such a signature proves nothing).
#
# Reproducible: the binaries are built with cargo-zigbuild (the venv's
# ziglang) for the static musl targets (they run on any Linux, Alpine-based
# CI images included), with paths remapped and one codegen unit; the zips
# fix mtime, mode and compression (scripts/release_layout.py). The same
# source gives the same zips, SHA256SUMS and manifest; only the signature
# differs, since OpenPGP signatures carry their signing time.
#
# Other knobs: S2S_RELEASE_TARGETS (Rust triples), S2S_REGISTRY_HOST (default
# registry.example.internal: the host of the source address), and
# S2S_RELEASE_BINARIES=DIR to package prebuilt binaries named
# terraform-provider-s2s_OS_ARCH instead of building (the acceptance tests use
# it to release the freshly built debug binary as several versions quickly;
# the version check of the binary is skipped then).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${S2S_VENV:-$ROOT/.venv}"
DIST="${S2S_RELEASE_DIR:-$ROOT/target/provider-dist}"
TARGET_DIR="${S2S_RELEASE_TARGET:-$ROOT/target/provider-release}"
HOST="${S2S_REGISTRY_HOST:-registry.example.internal}"
read -r -a TARGETS <<< "${S2S_RELEASE_TARGETS:-x86_64-unknown-linux-musl aarch64-unknown-linux-musl}"
VERSION="${VERSION:-}"
PY="$VENV/bin/python"
[ -x "$PY" ] || PY=python3

die() { echo "release: $*" >&2; exit 1; }

[ -n "$VERSION" ] || die "set VERSION, e.g. make release VERSION=0.1.0"
[[ "$VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || die "VERSION=$VERSION is not a semantic version"
crate_version=$(sed -n '/^\[package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' "$ROOT/provider/Cargo.toml" | head -1)
if [ -z "${S2S_RELEASE_BINARIES:-}" ]; then
  [ "$crate_version" = "$VERSION" ] ||
    die "VERSION=$VERSION but provider/Cargo.toml says $crate_version: bump the crate version (it is what --version prints) and commit first"
  grep -q "^## \[$VERSION\]" "$ROOT/CHANGELOG.md" ||
    die "CHANGELOG.md has no '## [$VERSION]' section"
fi
command -v gpg >/dev/null || die "gpg is missing (Debian: apt-get install gnupg)"

# Terraform's platform name of a Rust target triple.
platform_of() {
  local os arch
  case "$1" in
    *-linux-*) os=linux ;;
    *-apple-darwin) os=darwin ;;
    *-windows-*) os=windows ;;
    *) die "no Terraform platform for $1" ;;
  esac
  case "$1" in
    x86_64-*) arch=amd64 ;;
    aarch64-*) arch=arm64 ;;
    *) die "no Terraform architecture for $1" ;;
  esac
  echo "${os}_${arch}"
}

build() { # $1 target dir, $2 triple
  cargo zigbuild --locked --release -p provider --bin terraform-provider-s2s \
    --target "$2" --target-dir "$1" >&2
}

binaries=()
if [ -n "${S2S_RELEASE_BINARIES:-}" ]; then
  for f in "$S2S_RELEASE_BINARIES"/terraform-provider-s2s_*; do
    [ -f "$f" ] || die "no terraform-provider-s2s_OS_ARCH binaries in $S2S_RELEASE_BINARIES"
    binaries+=("${f##*/terraform-provider-s2s_}=$f")
  done
else
  [ -x "$VENV/bin/cargo-zigbuild" ] || die "cargo-zigbuild missing from $VENV: run 'make venv'"
  "$VENV/bin/python" -c 'import ziglang' 2>/dev/null || die "ziglang missing from $VENV: run 'make venv'"
  export PATH="$VENV/bin:$PATH"
  for t in "${TARGETS[@]}"; do
    rustup target list --installed | grep -qx "$t" || rustup target add "$t" >&2
  done
  export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1
  export CARGO_PROFILE_RELEASE_STRIP=symbols
  export RUSTFLAGS="--remap-path-prefix=$ROOT=/s2s --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}=/cargo --remap-path-prefix=$(rustc --print sysroot)=/rust"
  host_platform=$(platform_of "$(rustc -vV | sed -n 's/^host: //p')")
  for t in "${TARGETS[@]}"; do
    echo "==> building $t" >&2
    build "$TARGET_DIR" "$t"
    bin="$TARGET_DIR/$t/release/terraform-provider-s2s"
    p=$(platform_of "$t")
    if [ "$p" = "$host_platform" ]; then
      got=$("$bin" --version)
      [ "$got" = "terraform-provider-s2s $VERSION" ] || die "$bin --version says '$got'"
    fi
    binaries+=("$p=$bin")
  done
fi

echo "==> packaging $VERSION into $DIST/$VERSION" >&2
rm -rf "${DIST:?}/$VERSION"
"$PY" "$ROOT/scripts/release_layout.py" package "$DIST" "$VERSION" "${binaries[@]}"

if [ "${CHECK:-0}" = 1 ] && [ -z "${S2S_RELEASE_BINARIES:-}" ]; then
  again="$TARGET_DIR-check"
  rm -rf "$again" "$DIST-check"
  check_bins=()
  for t in "${TARGETS[@]}"; do
    build "$again" "$t"
    check_bins+=("$(platform_of "$t")=$again/$t/release/terraform-provider-s2s")
  done
  "$PY" "$ROOT/scripts/release_layout.py" package "$DIST-check" "$VERSION" "${check_bins[@]}"
  (cd "$DIST/$VERSION" && sha256sum -- *) > "$DIST/$VERSION.sums"
  (cd "$DIST-check/$VERSION" && sha256sum -- *) > "$DIST-check/$VERSION.sums"
  diff -u "$DIST/$VERSION.sums" "$DIST-check/$VERSION.sums" >&2 || die "not reproducible: a clean rebuild gave other bytes"
  rm -rf "$DIST-check" "$DIST/$VERSION.sums"
  echo "  reproducible: a clean rebuild gave the same zips, SHA256SUMS and manifest" >&2
fi

echo "==> signing" >&2
sums="$DIST/$VERSION/terraform-provider-s2s_${VERSION}_SHA256SUMS"
gpg_args=(--batch --yes --pinentry-mode loopback)
[ -n "${S2S_GPG_PASSPHRASE:-}" ] && gpg_args+=(--passphrase-fd 3)
keyring=""
cleanup() {
  if [ -n "$keyring" ]; then
    # The throwaway keyring's own agent, then the keyring.
    GNUPGHOME="$keyring" gpgconf --kill gpg-agent 2>/dev/null || true
    rm -rf "$keyring"
  fi
  return 0
}
trap cleanup EXIT
if [ -n "${S2S_GPG_PRIVATE_KEY:-}" ]; then
  keyring=$(mktemp -d)
  export GNUPGHOME="$keyring"
  printf '%s\n' "$S2S_GPG_PRIVATE_KEY" | gpg --batch --quiet --import 2>/dev/null
  key=$(gpg --batch --with-colons --list-secret-keys | awk -F: '$1=="fpr"{print $10; exit}')
elif [ -n "${S2S_GPG_KEY_ID:-}" ]; then
  key="$S2S_GPG_KEY_ID"
elif [ "${S2S_GPG_THROWAWAY:-0}" = 1 ]; then
  # make demo: a key made for this run and deleted after it. Its signature
  # proves nothing; a filesystem mirror does not check signatures anyway.
  echo "release: signing with a throwaway key (S2S_GPG_THROWAWAY=1): for demos only" >&2
  keyring=$(mktemp -d)
  export GNUPGHOME="$keyring"
  gpg --batch --quiet --passphrase '' --quick-gen-key "s2s demo release <demo@example.internal>" rsa3072 sign never 2>/dev/null
  key=$(gpg --batch --with-colons --list-secret-keys | awk -F: '$1=="fpr"{print $10; exit}')
else
  die "no signing key: set S2S_GPG_PRIVATE_KEY (armored secret key) or S2S_GPG_KEY_ID"
fi
[ -n "$key" ] || die "the signing key did not import"
gpg "${gpg_args[@]}" --local-user "$key" --detach-sign --output "$sums.sig" "$sums" 3<<<"${S2S_GPG_PASSPHRASE:-}"
gpg --batch --armor --export "$key" > "$DIST/signing-key.asc"
gpg --batch --verify "$sums.sig" "$sums" 2>/dev/null || die "the signature does not verify"

echo "==> publishing layouts for $HOST" >&2
"$PY" "$ROOT/scripts/release_layout.py" publish "$DIST" "$HOST" "$DIST/signing-key.asc"

printf '%-52s %s\n' file sha256
(cd "$DIST/$VERSION" && for f in *; do printf '%-52s %s\n' "$f" "$(sha256sum "$f" | cut -d' ' -f1)"; done)
echo "mirror:   $DIST/mirror   (filesystem_mirror path, or serve it as a network mirror)"
echo "registry: $DIST/registry (serve it as https://$HOST/)"
