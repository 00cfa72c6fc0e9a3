#!/usr/bin/env bash
# Finds the Temporal CLI on PATH or installs the pinned version into .tools/bin.
# Prints the path of the binary on its last line.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="v1.5.1"
local_bin="$root/.tools/bin/temporal"
if [ -n "${TEMPORAL_CLI:-}" ] && [ -x "$TEMPORAL_CLI" ]; then echo "$TEMPORAL_CLI"; exit 0; fi
if [ -x "$local_bin" ]; then echo "$local_bin"; exit 0; fi
if command -v temporal >/dev/null 2>&1; then command -v temporal; exit 0; fi
if ! command -v go >/dev/null 2>&1; then
  for candidate in /usr/local/go/bin/go /usr/lib/go/bin/go; do
    [ -x "$candidate" ] && export PATH="$(dirname "$candidate"):$PATH" && break
  done
fi
command -v go >/dev/null 2>&1 || { echo "install-temporal: neither 'temporal' nor 'go' found; install Go >= 1.25 or put the Temporal CLI on PATH" >&2; exit 1; }
mkdir -p "$root/.tools/bin"
echo "install-temporal: building github.com/temporalio/cli/cmd/temporal@$version (a few minutes the first time)" >&2
GOBIN="$root/.tools/bin" go install "github.com/temporalio/cli/cmd/temporal@$version" >&2
echo "$local_bin"
