#!/usr/bin/env bash
# Reproducible Lambda zips of the syncer and the cert-issuer (provided.al2023,
# handler `bootstrap`) and of the mTLS layer (one entry,
# extensions/s2s-mtls-proxy) for aarch64 and x86_64: prints sha256 and size of
# each.
#
#   bash scripts/artifacts.sh            # build all, write target/lambda-dist/*.zip
#   S2S_ARTIFACTS=cert-issuer bash scripts/artifacts.sh   # only some of them
#                                        # (keywhiz-syncer cert-issuer s2s-mtls-proxy)
#   CHECK=1 bash scripts/artifacts.sh    # also rebuild from scratch in a second
#                                        # target dir and require identical bytes
#
# Linking against al2023's glibc 2.34 uses cargo-zigbuild with the `ziglang`
# PyPI package (both pinned in acceptance-tests/requirements.txt, installed
# into the project venv). Reproducible: paths are remapped, the zip has one
# entry with a fixed mtime (1980-01-01), fixed permissions (0755) and a fixed
# compression level, so the same source gives the same bytes.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${S2S_VENV:-$ROOT/.venv}"
OUT="${S2S_ARTIFACTS_DIR:-$ROOT/target/lambda-dist}"
TARGET_DIR="${S2S_ARTIFACTS_TARGET:-$ROOT/target/lambda}"
read -r -a TARGETS <<< "${S2S_ARTIFACT_TARGETS:-aarch64-unknown-linux-gnu x86_64-unknown-linux-gnu}"
read -r -a ARTIFACTS <<< "${S2S_ARTIFACTS:-keywhiz-syncer cert-issuer s2s-mtls-proxy}"
GLIBC=2.34 # Amazon Linux 2023

die() { echo "artifacts: $*" >&2; exit 1; }

[ -x "$VENV/bin/cargo-zigbuild" ] || die "cargo-zigbuild missing from $VENV: run 'make venv'"
"$VENV/bin/python" -c 'import ziglang' 2>/dev/null || die "ziglang missing from $VENV: run 'make venv'"
# cargo-zigbuild finds zig through `python -m ziglang` of the venv.
export PATH="$VENV/bin:$PATH"

for t in "${TARGETS[@]}"; do
  rustup target list --installed | grep -qx "$t" || rustup target add "$t" >&2
done

# The Lambda profile: the workspace release profile, smaller code, and no
# build-machine paths in the binary.
export CARGO_PROFILE_RELEASE_OPT_LEVEL=s
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1
export CARGO_PROFILE_RELEASE_STRIP=symbols
export RUSTFLAGS="--remap-path-prefix=$ROOT=/s2s --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}=/cargo --remap-path-prefix=$(rustc --print sysroot)=/rust"

# artifact name -> "package binary" (the zip is <artifact>-<arch>.zip).
declare -A SOURCES=(
  [keywhiz-syncer]="syncer syncer"
  [cert-issuer]="cert-issuer cert-issuer"
)

build() { # $1 target dir, $2 triple, $3 package, $4 binary
  # One package per build, so its dependencies' features are its own.
  cargo zigbuild --locked --release -p "$3" --bin "$4" \
    --target "$2.$GLIBC" --target-dir "$1" >&2
}

zip_one() { # $1 binary, $2 zip, $3 entry name (default bootstrap)
  "$VENV/bin/python" - "$1" "$2" "${3:-bootstrap}" <<'PY'
import sys, zipfile
src, dst, entry = sys.argv[1], sys.argv[2], sys.argv[3]
with open(src, "rb") as f:
    data = f.read()
info = zipfile.ZipInfo(entry, date_time=(1980, 1, 1, 0, 0, 0))
info.create_system = 3                      # unix, so the mode below counts
info.external_attr = (0o100755 & 0xFFFF) << 16
info.compress_type = zipfile.ZIP_DEFLATED
with zipfile.ZipFile(dst, "w") as z:
    z.writestr(info, data, compresslevel=9)
PY
}

mkdir -p "$OUT"
printf '%-34s %-64s %10s %10s\n' artifact sha256 zip_bytes bin_bytes
wanted() { [[ " ${ARTIFACTS[*]} " == *" $1 "* ]]; }
for name in "${ARTIFACTS[@]}"; do
  [ "$name" = s2s-mtls-proxy ] && continue # the layer, below
  [ -n "${SOURCES[$name]:-}" ] || die "unknown artifact $name (${!SOURCES[*]} s2s-mtls-proxy)"
  read -r pkg bin_name <<< "${SOURCES[$name]}"
  for t in "${TARGETS[@]}"; do
    arch="${t%%-*}"
    build "$TARGET_DIR" "$t" "$pkg" "$bin_name"
    bin="$TARGET_DIR/$t/release/$bin_name"
    zip="$OUT/$name-$arch.zip"
    zip_one "$bin" "$zip"
    sum="$(sha256sum "$zip" | cut -d' ' -f1)"
    printf '%-34s %-64s %10s %10s\n' "$(basename "$zip")" "$sum" "$(stat -c %s "$zip")" "$(stat -c %s "$bin")"
    if [ "${CHECK:-0}" = 1 ]; then
      again="$TARGET_DIR-check"
      rm -rf "$again"
      build "$again" "$t" "$pkg" "$bin_name"
      zip_one "$again/$t/release/$bin_name" "$zip.check"
      sum2="$(sha256sum "$zip.check" | cut -d' ' -f1)"
      rm -f "$zip.check"
      [ "$sum" = "$sum2" ] || die "$name $t: not reproducible ($sum vs $sum2)"
      echo "  reproducible: a clean rebuild gave the same sha256" >&2
    fi
  done
done
# The mTLS layer: built in a cargo run of its own, so that its features
# (rustls with ring only, no aws-lc) are not unified with the syncer's. Lambda
# runs an external extension from /opt/extensions/<file name>, and the file
# name is the name it registers under. Named by Lambda's architecture names,
# as the layers are (s2s-mtls-proxy-arm64, -x86_64).
build_layer() { # $1 target dir, $2 triple
  cargo zigbuild --locked --release -p mtls-proxy --bin s2s-mtls-proxy \
    --target "$2.$GLIBC" --target-dir "$1" >&2
}
wanted s2s-mtls-proxy || TARGETS=()
for t in "${TARGETS[@]}"; do
  arch="${t%%-*}"
  [ "$arch" = aarch64 ] && arch=arm64
  build_layer "$TARGET_DIR" "$t"
  bin="$TARGET_DIR/$t/release/s2s-mtls-proxy"
  zip="$OUT/s2s-mtls-proxy-$arch.zip"
  zip_one "$bin" "$zip" extensions/s2s-mtls-proxy
  sum="$(sha256sum "$zip" | cut -d' ' -f1)"
  printf '%-34s %-64s %10s %10s\n' "$(basename "$zip")" "$sum" "$(stat -c %s "$zip")" "$(stat -c %s "$bin")"
  if [ "${CHECK:-0}" = 1 ]; then
    again="$TARGET_DIR-check"
    rm -rf "$again"
    build_layer "$again" "$t"
    zip_one "$again/$t/release/s2s-mtls-proxy" "$zip.check" extensions/s2s-mtls-proxy
    sum2="$(sha256sum "$zip.check" | cut -d' ' -f1)"
    rm -f "$zip.check"
    [ "$sum" = "$sum2" ] || die "$t: layer not reproducible ($sum vs $sum2)"
    echo "  reproducible: a clean rebuild gave the same sha256" >&2
  fi
done
(cd "$OUT" && sha256sum -- *.zip > SHA256SUMS)
