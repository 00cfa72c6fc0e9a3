#!/usr/bin/env bash
# TEST-ONLY STAND-IN for Nsight Compute's `ncu`: NOT a profiler, never installed outside a test.
# test/integration/profile-stand-in.test.ts copies it as `ncu` into a folder of its own, beside a
# real ncu details report (ncu-report.csv, recorded on an H200), and puts that folder on PATH. It
# does what the tier-1 path needs of ncu and checks what a real ncu cannot be asked about:
#
#   ncu --version                       names itself as this stand-in
#   ncu [options] -o BASE TARGET ARGS   runs TARGET ARGS as given, stdin passed through; fails like
#                                       ncu's "No kernels were profiled" when the target received no
#                                       input frame on stdin (a checked task's candidate launches
#                                       nothing without one); else writes BASE.ncu-rep. Like the real
#                                       ncu (seen on an H200), its own "==PROF==" lines go to stdout,
#                                       into the target's output, unless --log-file names another
#                                       place (stderr, stdout or a file)
#   ncu --import BASE.ncu-rep --csv     prints that report (the shape policy/parsers/ncu-report.ts reads)
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ "${1:-}" = --version ]; then
  echo "kisystem test-only ncu stand-in (not Nsight Compute)"
  exit 0
fi
if [ "${1:-}" = --import ]; then
  cat "$2"
  exit $?
fi
out=""
log=stdout
while [ $# -gt 0 ]; do
  case "$1" in
    --clock-control|--section|--metrics|-k|--launch-count) shift 2 ;;
    -f) shift ;;
    -o) out=$2; shift 2 ;;
    --log-file) log=$2; shift 2 ;;
    -*) echo "==ERROR== the ncu stand-in does not know option $1" >&2; exit 9 ;;
    *) break ;;
  esac
done
[ -n "$out" ] || { echo "==ERROR== the ncu stand-in needs -o" >&2; exit 9; }
[ $# -gt 0 ] || { echo "==ERROR== the ncu stand-in got no target" >&2; exit 9; }
copy="$out.stdin"
# ncu's own lines, where --log-file sends them (written to the descriptors themselves: a sandboxed
# user may not reopen a pipe through /dev/stdout).
say() { case "$log" in stdout) echo "$1" ;; stderr) echo "$1" >&2 ;; *) echo "$1" >> "$log" ;; esac; }
say "==PROF== Connected to process $$ (ncu stand-in)"
tee "$copy" | "$@"
status=${PIPESTATUS[1]}
bytes=$(stat -c %s "$copy")
say "==PROF== Disconnected from process $$ (ncu stand-in: the target read $bytes bytes on stdin and exited with $status)"
if [ "$bytes" -lt 8 ]; then
  say "==WARNING== No kernels were profiled. (ncu stand-in: the target received no input frame on stdin)"
  exit 1
fi
cp "$here/ncu-report.csv" "$out.ncu-rep" || exit 1
exit "$status"
