#!/usr/bin/env bash
# pack-device-bundle.sh: prepares what a GPU machine without Node needs to run kisystem's host
# activities (scripts/gpu/device-check.sh): the Node binary of this machine (xz), and the node_modules
# those activities and the example checker load (@temporalio/activity and its dependencies, zod,
# yaml, typescript), NOT the worker's native bridge. Output: .device-bundle/ (git-ignored), about
# 30 MB. Carry `.device-bundle` and `dist` to the GPU machine (after `npm run build`).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/.device-bundle"
cd "$root"
[ -d dist/scripts/gpu ] || { echo "pack-device-bundle: run npm run build first" >&2; exit 2; }
rm -rf "$out"
mkdir -p "$out"
xz -T0 -6 -c "$(command -v node)" > "$out/node.xz"
node --version > "$out/node-version.txt"
# The dependency closure of the packages the device scripts load.
mapfile -t packages < <(node - <<'JS'
const fs = require('fs');
const path = require('path');
const seen = new Set();
const visit = (name) => {
  if (seen.has(name)) return;
  const dir = path.join('node_modules', name);
  if (!fs.existsSync(path.join(dir, 'package.json'))) return;
  seen.add(name);
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies })) visit(dep);
};
['@temporalio/activity', 'zod', 'yaml', 'typescript'].forEach(visit);
console.log([...seen].map((n) => `node_modules/${n}`).join('\n'));
JS
)
tar -cJf "$out/node_modules.tar.xz" "${packages[@]}"
du -sh "$out"/*
echo "pack-device-bundle: ${#packages[@]} packages; carry .device-bundle and dist"
