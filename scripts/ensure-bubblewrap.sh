#!/usr/bin/env bash
# The GPU worker runs every build, test, benchmark and profile of model code in bubblewrap and
# refuses to start without it (unless the config says sandbox.kind "none"). This finds `bwrap`, or
# installs the Debian/Ubuntu package where this user may (root, or sudo without a password), or
# says exactly what to run.
set -euo pipefail
if [ -n "${KISYSTEM_BWRAP:-}" ] && [ -x "$KISYSTEM_BWRAP" ]; then exit 0; fi
if command -v bwrap >/dev/null 2>&1; then exit 0; fi
install_cmd=()
if [ "$(id -u)" = "0" ]; then install_cmd=(); elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then install_cmd=(sudo -n); else install_cmd=(none); fi
if command -v apt-get >/dev/null 2>&1 && [ "${install_cmd[0]:-}" != "none" ]; then
  echo "ensure-bubblewrap: bwrap is missing; installing the Debian package 'bubblewrap' (the sandbox for model code)" >&2
  "${install_cmd[@]}" apt-get update -qq >&2 || true
  DEBIAN_FRONTEND=noninteractive "${install_cmd[@]}" apt-get install -y -qq bubblewrap >&2
  command -v bwrap >/dev/null 2>&1 && exit 0
fi
echo "ensure-bubblewrap: bwrap (bubblewrap) is not installed and could not be installed here." >&2
echo "  Debian/Ubuntu: sudo apt-get install bubblewrap    Fedora: sudo dnf install bubblewrap" >&2
echo "  (or set sandbox.kind to \"none\" in the config to run model code UNSANDBOXED, at your own risk)" >&2
exit 1
