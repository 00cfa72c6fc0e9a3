#!/usr/bin/env bash
# device-check.sh: the GPU checks of kisystem, as ONE command for a lent GPU machine that has CUDA
# and Nsight Compute but no Node, Temporal or Postgres (prepare here: npm run build &&
# scripts/gpu/pack-device-bundle.sh; carry .device-bundle and dist). Writes its results to $OUT
# (or ./device-out):
#   host.txt                   nvidia-smi, nvcc and ncu versions
#   check-examples.txt         every CUDA example answer (examples/*/expected-outcomes.txt, the
#                              optimization kernels included) built with nvcc and run through its
#                              real harness: outcome as expected or not
#   two-tier-recording.json    scripts/gpu/record-two-tier.ts: the real host activities (build, test,
#                              microbenchmark, ncu full profile) on each kernel of the two-tier sequence
#   record.txt                 its log
# Then, here: node dist/scripts/bench-two-tier.js --replay <OUT>/two-tier-recording.json
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${OUT:-$root/device-out}
mkdir -p "$out"
cd "$root"
status=0

if ! command -v node >/dev/null; then
  mkdir -p /tmp/kisystem-node
  xz -dc .device-bundle/node.xz > /tmp/kisystem-node/node && chmod +x /tmp/kisystem-node/node
  export PATH=/tmp/kisystem-node:$PATH
fi
[ -d node_modules/@temporalio/activity ] || tar -xJf .device-bundle/node_modules.tar.xz

{
  date -u
  nvidia-smi -L; nvidia-smi --query-gpu=name,compute_cap,driver_version,clocks.max.sm --format=csv
  nvcc --version | tail -2
  ncu --version | tail -1
  echo "node $(node --version)"
} > "$out/host.txt" 2>&1
cat "$out/host.txt"

echo "== CUDA examples through their real harness"
RUNS=${RUNS:-2} examples/check-examples.sh examples/vector-add examples/matmul-tiled > "$out/check-examples.txt" 2>&1 || status=1
tail -40 "$out/check-examples.txt"

echo "== two-tier recording (real build, test, microbenchmark and ncu per kernel)"
node dist/scripts/gpu/record-two-tier.js --out "$out/two-tier-recording.json" > "$out/record.txt" 2>&1 || status=1
cat "$out/record.txt"
exit $status
