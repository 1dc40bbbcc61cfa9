#!/usr/bin/env python3
"""The provider's release files, and the two ways to publish them, from built
binaries. Called by scripts/release.sh; nothing here builds or signs.

  release_layout.py package DIST VERSION BINARIES...
      DIST/VERSION/terraform-provider-s2s_VERSION_OS_ARCH.zip   one per binary
      DIST/VERSION/terraform-provider-s2s_VERSION_manifest.json protocol 6.0
      DIST/VERSION/terraform-provider-s2s_VERSION_SHA256SUMS    zips + manifest
    Each BINARY is OS_ARCH=PATH. Zips are reproducible: one entry
    (terraform-provider-s2s_vVERSION, as HashiCorp names it), mode 0755,
    mtime 1980-01-01, deflate at zlib's default level 6, so the same binary
    gives the same bytes.

  release_layout.py publish DIST HOST KEY_ASC
      DIST/mirror/HOST/platform/s2s/    the zips of every version in DIST, with
          index.json and VERSION.json: a filesystem_mirror directory (packed
          layout) and, served as static files over HTTPS, a network mirror
          (provider network mirror protocol; h1: and zh: hashes);
      DIST/registry/    a static provider registry (provider registry
          protocol): .well-known/terraform.json, v1/providers/platform/s2s/
          versions, VERSION/download/OS/ARCH with relative download,
          shasums and signature URLs and the signing key KEY_ASC.
    Everything is derived from DIST/*/ (every released version), so
    publishing again after a new release merges it in.

Hashes: zh: is the hex SHA-256 of the zip; h1: is Terraform's hash of the
package contents (dirhash "Hash1": SHA-256 over the lines
"<hex sha256 of file>  <name>\\n" of every file, sorted by name, base64).
"""

import base64
import hashlib
import io
import json
import os
import re
import shutil
import sys
import zipfile

NAME = "terraform-provider-s2s"
NAMESPACE, TYPE = "platform", "s2s"
PROTOCOLS = ["6.0"]
VERSION_RE = re.compile(r"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$")


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def zip_bytes(entry, data):
    buf = io.BytesIO()
    info = zipfile.ZipInfo(entry, date_time=(1980, 1, 1, 0, 0, 0))
    info.create_system = 3  # unix, so the mode below counts
    info.external_attr = (0o100755 & 0xFFFF) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(info, data, compresslevel=6)
    return buf.getvalue()


def h1_of_zip(path):
    """Terraform's h1: hash of a package, from its zip's contents."""
    lines = []
    with zipfile.ZipFile(path) as z:
        for info in sorted(z.infolist(), key=lambda i: i.filename):
            if info.is_dir():
                continue
            if "\n" in info.filename:
                raise SystemExit(f"{path}: file name with a newline")
            lines.append(f"{sha256_hex(z.read(info))}  {info.filename}\n")
    summary = "".join(lines).encode()
    return "h1:" + base64.b64encode(hashlib.sha256(summary).digest()).decode()


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(path, mode) as f:
        f.write(data)


def place(src, dst):
    """dst as a hard link to src (a copy across file systems)."""
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    if os.path.exists(dst):
        os.remove(dst)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def write_json(path, value):
    write(path, json.dumps(value, indent=2, sort_keys=True) + "\n")


def package(dist, version, binaries):
    if not VERSION_RE.match(version):
        raise SystemExit(f"version {version!r} is not a semantic version")
    out = os.path.join(dist, version)
    os.makedirs(out, exist_ok=True)
    files = []
    for spec in binaries:
        platform, _, path = spec.partition("=")
        if not re.match(r"^[a-z0-9]+_[a-z0-9]+$", platform) or not path:
            raise SystemExit(f"binary {spec!r}: expected OS_ARCH=PATH")
        with open(path, "rb") as f:
            data = f.read()
        name = f"{NAME}_{version}_{platform}.zip"
        write(os.path.join(out, name), zip_bytes(f"{NAME}_v{version}", data))
        files.append(name)
    manifest = f"{NAME}_{version}_manifest.json"
    write_json(
        os.path.join(out, manifest),
        {"version": 1, "metadata": {"protocol_versions": PROTOCOLS}},
    )
    files.append(manifest)
    sums = ""
    for name in sorted(files):
        with open(os.path.join(out, name), "rb") as f:
            sums += f"{sha256_hex(f.read())}  {name}\n"
    write(os.path.join(out, f"{NAME}_{version}_SHA256SUMS"), sums)


def releases(dist):
    """{version: {platform: zip path}} of every packaged version in DIST."""
    found = {}
    for version in sorted(os.listdir(dist)):
        d = os.path.join(dist, version)
        if not (VERSION_RE.match(version) and os.path.isdir(d)):
            continue
        zips = {}
        prefix = f"{NAME}_{version}_"
        for name in sorted(os.listdir(d)):
            if name.startswith(prefix) and name.endswith(".zip"):
                zips[name[len(prefix) : -len(".zip")]] = os.path.join(d, name)
        if zips:
            found[version] = zips
    return found


def key_id(armored):
    """The long key ID of an armored public key, via gpg."""
    import subprocess

    out = subprocess.run(
        ["gpg", "--batch", "--with-colons", "--import-options", "show-only", "--import"],
        input=armored.encode(),
        capture_output=True,
        check=True,
    ).stdout.decode()
    for line in out.splitlines():
        f = line.split(":")
        if f[0] == "pub":
            return f[4]
    raise SystemExit("no public key in the signing key file")


def publish(dist, host, key_asc):
    found = releases(dist)
    if not found:
        raise SystemExit(f"no releases in {dist}")
    with open(key_asc) as f:
        armored = f.read()
    kid = key_id(armored)

    mirror = os.path.join(dist, "mirror", host, NAMESPACE, TYPE)
    shutil.rmtree(os.path.join(dist, "mirror"), ignore_errors=True)
    index = {"versions": {}}
    for version, zips in found.items():
        index["versions"][version] = {}
        archives = {}
        for platform, path in zips.items():
            name = os.path.basename(path)
            place(path, os.path.join(mirror, name))
            with open(path, "rb") as f:
                zh = "zh:" + sha256_hex(f.read())
            archives[platform] = {"url": name, "hashes": [h1_of_zip(path), zh]}
        write_json(os.path.join(mirror, f"{version}.json"), {"archives": archives})
    write_json(os.path.join(mirror, "index.json"), index)

    registry = os.path.join(dist, "registry")
    shutil.rmtree(registry, ignore_errors=True)
    write_json(
        os.path.join(registry, ".well-known", "terraform.json"),
        {"providers.v1": "/v1/providers/"},
    )
    base = os.path.join(registry, "v1", "providers", NAMESPACE, TYPE)
    versions = []
    for version, zips in found.items():
        src = os.path.join(dist, version)
        sums = f"{NAME}_{version}_SHA256SUMS"
        if not os.path.exists(os.path.join(src, sums + ".sig")):
            raise SystemExit(f"{version}: {sums}.sig missing: sign the release first")
        vdir = _mkdir(os.path.join(base, version))
        for name in os.listdir(src):
            place(os.path.join(src, name), os.path.join(vdir, name))
        with open(os.path.join(src, sums)) as f:
            shasum = {
                name: digest
                for digest, name in (line.split("  ", 1) for line in f.read().splitlines())
            }
        platforms = []
        for platform, path in zips.items():
            os_, arch = platform.split("_", 1)
            platforms.append({"os": os_, "arch": arch})
            name = os.path.basename(path)
            # Relative to .../VERSION/download/OS/ARCH, as Terraform resolves them.
            write_json(
                os.path.join(vdir, "download", os_, arch),
                {
                    "protocols": PROTOCOLS,
                    "os": os_,
                    "arch": arch,
                    "filename": name,
                    "download_url": f"../../{name}",
                    "shasums_url": f"../../{sums}",
                    "shasums_signature_url": f"../../{sums}.sig",
                    "shasum": shasum[name],
                    "signing_keys": {
                        "gpg_public_keys": [{"key_id": kid, "ascii_armor": armored}]
                    },
                },
            )
        versions.append({"version": version, "protocols": PROTOCOLS, "platforms": platforms})
    write_json(os.path.join(base, "versions"), {"versions": versions})


def _mkdir(path):
    os.makedirs(path, exist_ok=True)
    return path


def main(argv):
    if len(argv) >= 4 and argv[1] == "package":
        package(argv[2], argv[3], argv[4:])
    elif len(argv) == 5 and argv[1] == "publish":
        publish(argv[2], argv[3], argv[4])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
