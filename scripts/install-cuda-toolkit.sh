#!/usr/bin/env bash
# Installs Debian's nvidia-cuda-toolkit (nvcc 11.8 without a GPU: CUDA code compiles, nothing runs).
# It lives in the non-free component and depends on contrib (nvidia-support), so both are added for
# the archive the system already uses, in a sources file of its own. Debian 12 (bookworm) with
# deb822 sources; run as root. Measured on the build machine: 1622 MB downloaded, 5.5 GB on disk,
# about 4 minutes. nvcc is not a GPU host: GPU tasks still need a GPU.
set -euo pipefail
if command -v nvcc >/dev/null; then echo "install-cuda-toolkit: nvcc is already installed: $(command -v nvcc)"; exit 0; fi
source /etc/os-release
[ "${VERSION_CODENAME:-}" ] || { echo "install-cuda-toolkit: not a Debian release with a codename" >&2; exit 1; }
uri=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
uri=${uri:-http://deb.debian.org/debian}
cat > /etc/apt/sources.list.d/debian-contrib-non-free.sources <<SOURCES
Types: deb
URIs: $uri
Suites: $VERSION_CODENAME $VERSION_CODENAME-updates
Components: contrib non-free
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
apt-get -o DPkg::Lock::Timeout=900 update
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends nvidia-cuda-toolkit
nvcc --version | tail -n 2
