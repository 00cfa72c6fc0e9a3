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
#                                       nothing without one); else writes BASE.ncu-rep
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
while [ $# -gt 0 ]; do
  case "$1" in
    --clock-control|--section|--metrics|-k|--launch-count) shift 2 ;;
    -f) shift ;;
    -o) out=$2; shift 2 ;;
    -*) echo "==ERROR== the ncu stand-in does not know option $1" >&2; exit 9 ;;
    *) break ;;
  esac
done
[ -n "$out" ] || { echo "==ERROR== the ncu stand-in needs -o" >&2; exit 9; }
[ $# -gt 0 ] || { echo "==ERROR== the ncu stand-in got no target" >&2; exit 9; }
copy="$out.stdin"
tee "$copy" | "$@"
status=${PIPESTATUS[1]}
bytes=$(stat -c %s "$copy")
echo "==PROF== (ncu stand-in) the target read $bytes bytes on stdin and exited with $status" >&2
if [ "$bytes" -lt 8 ]; then
  echo "==WARNING== No kernels were profiled. (ncu stand-in: the target received no input frame on stdin)" >&2
  exit 1
fi
cp "$here/ncu-report.csv" "$out.ncu-rep" || exit 1
exit "$status"
