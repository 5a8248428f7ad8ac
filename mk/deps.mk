# `make deps`: installs the Debian 12 packages needed to build, run and test, when missing.
# Non-interactive; needs root. Only the missing ones are installed.
DEB_PKGS := build-essential g++ make pkg-config git clang-format \
  libssl-dev libyaml-cpp-dev libsqlite3-dev sqlite3 liboath-dev oathtool libfido2-dev libcbor-dev \
  libqrencode-dev libphonenumber-dev libcurl4-openssl-dev libsystemd-dev systemd libboost-dev nlohmann-json3-dev \
  libpam0g-dev libjsmn-dev libcmocka-dev libpam-wrapper libpamtest0-dev pamtester \
  python3 python3-pytest python3-pyotp python3-paramiko python3-yaml python3-cryptography chromium python3-aiosmtpd openssh-server openssh-client sudo \
  curl jq openssl procps binutils util-linux mount passwd libpam-modules \
  scdoc man-db groff-base

.PHONY: deps
deps:
	@missing=$$(for p in $(DEB_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
	  | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing $$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "make deps: run as root to install: $$missing" >&2; exit 1; fi; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@# Node.js + npm (the Chromium e2e test installs playwright-core with npm ci). Machines
	@# whose Node comes from another packaging (npm bundled in nodejs) must not get Debian's npm
	@# on top: it conflicts. So this checks for the commands, not the packages.
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
	  echo "make deps: installing nodejs npm"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends nodejs npm; \
	fi
