#!/usr/bin/env bash
# Installs what building and testing ironorg needs and is missing: Debian
# packages (as root, or through sudo) and the pinned npm tools in tools/.
# Safe to run again; it installs only what is missing.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

debian_packages=(
  build-essential cmake pkg-config ccache git
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libsqlite3-dev sqlite3 libsodium-dev libcpp-httplib-dev
  libgtest-dev libgmock-dev libbenchmark-dev jq
  python3-grpcio python3-protobuf python3-yaml docker-compose
)
if ! command -v node >/dev/null 2>&1; then
  debian_packages+=(nodejs)
fi
if ! command -v npm >/dev/null 2>&1; then
  debian_packages+=(npm)
fi

missing=()
for package in "${debian_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "${package}" 2>/dev/null |
      grep -q "install ok installed"; then
    missing+=("${package}")
  fi
done

if ((${#missing[@]} > 0)); then
  echo "setup: installing Debian packages: ${missing[*]}"
  as_root=()
  if [[ "$(id -u)" != 0 ]]; then
    as_root=(sudo)
  fi
  "${as_root[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" \
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# npm ci installs exactly the versions in package-lock.json. It runs again
# only when the lock file is newer than the last install.
stamp="${repo_root}/tools/node_modules/.ironorg-installed"
if [[ ! -f "${stamp}" || "${repo_root}/tools/package-lock.json" -nt "${stamp}" ]]; then
  echo "setup: installing pinned npm tools into tools/node_modules"
  (cd "${repo_root}/tools" && npm ci --no-audit --no-fund --loglevel=error)
  touch "${stamp}"
fi
