#!/usr/bin/env bash
# The report tests open kisystem's HTML reports in a real headless browser (Debian's chromium,
# driven by playwright-core) and look at what the charts drew. This finds chromium, or installs the
# Debian package where this user may (root, or sudo without a password), or says what to run; the
# tests skip with a message where it is missing, so this never fails the test command.
set -uo pipefail
for candidate in "${KISYSTEM_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then exit 0; fi
done
install_cmd=()
if [ "$(id -u)" = "0" ]; then install_cmd=(); elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then install_cmd=(sudo -n); else install_cmd=(none); fi
if command -v apt-get >/dev/null 2>&1 && [ "${install_cmd[0]:-}" != "none" ]; then
  echo "ensure-chromium: chromium is missing; installing the Debian package 'chromium' (the report tests' headless browser)" >&2
  DEBIAN_FRONTEND=noninteractive "${install_cmd[@]}" apt-get -o DPkg::Lock::Timeout=900 install -y -qq chromium >&2 \
    || { "${install_cmd[@]}" apt-get update -qq >&2; DEBIAN_FRONTEND=noninteractive "${install_cmd[@]}" apt-get -o DPkg::Lock::Timeout=900 install -y -qq chromium >&2; }
  [ -x /usr/bin/chromium ] && exit 0
fi
echo "ensure-chromium: chromium is not installed and could not be installed here; the report tests will be skipped." >&2
echo "  Debian/Ubuntu: sudo apt-get install chromium   (or set KISYSTEM_CHROMIUM to a chromium binary)" >&2
exit 0
