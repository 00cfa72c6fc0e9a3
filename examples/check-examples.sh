#!/usr/bin/env bash
# check-examples.sh: builds every example task's answers the way kisystem builds a model's answer,
# runs the task's test command, and compares each outcome with <task>/expected-outcomes.txt.
# A verification aid for people editing the examples; nothing in kisystem depends on it.
#
# Usage: examples/check-examples.sh [TASK_FOLDER...]    (default: every folder with a task.yaml)
# Environment: RUNS (default 3): seeded runs per answer expected to pass or fail-or-crash;
#              TEST_TIMEOUT (default 120): seconds per test run; KEEP=1 keeps the build folders.
#
# Expected outcomes:
#   pass           builds; every run prints "KISYSTEM_VERDICT: PASS" once and exits 0
#   fail           builds; prints one "KISYSTEM_VERDICT: FAIL ..." line and exits 1
#   cuda-error     builds; exits 2 with "CUDA error" on stderr and no verdict line
#   fail-or-crash  builds; no run passes (a FAIL verdict, a signal, or a timeout), for racy answers
#   build-error    the compiler rejects it
# CUDA tasks need nvcc and a GPU (nvidia-smi); without them they are skipped with a message.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
RUNS=${RUNS:-3}
TEST_TIMEOUT=${TEST_TIMEOUT:-120}

command -v node >/dev/null || { echo "check-examples: node is needed to read task.yaml" >&2; exit 2; }

# Prints the task as shell assignments (after validating it with policy/schemas/task-schema.ts when the
# project's node_modules are installed; without them it says "schema not checked").
read_task() {
  ROOT="$root" node - "$1" <<'JS'
const fs = require('fs');
const path = require('path');
const root = process.env.ROOT;
const file = process.argv[2];
const { parse } = require(path.join(root, 'node_modules', 'yaml'));
const raw = parse(fs.readFileSync(file, 'utf8'));
let task = raw;
let domain = raw.domain ? `${raw.domain} (given)` : '(not given)';
try {
  // Load the real schema: transpile the project's TypeScript modules on the fly (relative imports
  // resolved from the importing module's folder, packages from node_modules).
  const ts = require(path.join(root, 'node_modules', 'typescript'));
  const cache = {};
  const load = (file) => {
    if (cache[file]) return cache[file].exports;
    const src = fs.readFileSync(file + '.ts', 'utf8');
    const js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 } }).outputText;
    const mod = { exports: {} };
    cache[file] = mod;
    const req = (spec) => spec.startsWith('.') ? load(path.resolve(path.dirname(file), spec)) : require(path.join(root, 'node_modules', spec));
    new Function('require', 'module', 'exports', js)(req, mod, mod.exports);
    return mod.exports;
  };
  const schema = load(path.join(root, 'policy', 'schemas', 'task-schema'));
  task = schema.parseTaskFile(file, raw);
  const domains = load(path.join(root, 'policy', 'rules', 'domains'));
  if (!task.domain) {
    const inferred = domains.inferDomain(task.language, `${task.title}\n${task.goal}`);
    domain = `${inferred.domain} (${inferred.reason})`;
  }
} catch (err) {
  if (err && err.name === 'TaskFileError') { console.error(err.message); process.exit(3); }
  console.error(`check-examples: schema not checked (${err && err.message})`);
  task = { build: { flags: [], output: 'candidate' }, test: { command: ['./candidate'] }, ...raw };
  task.build = { flags: [], output: 'candidate', ...(raw.build || {}) };
  task.test = { command: ['./candidate'], ...(raw.test || {}) };
}
const q = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;
const arr = (name, xs) => console.log(`${name}=(${xs.map(q).join(' ')})`);
// As activities/build-test.ts builds: build.sources as given, else the harness's translation
// units followed by the solution file.
const checker = (f) => /^checker[^/]*\.(cpp|cc|cxx|h|hh|hpp)$/.test(f);
const sources = task.build.sources ?? [...task.harness.files.filter((f) => /\.(cu|cpp|cc|cxx)$/.test(f) && !checker(f)), task.solution_file];
console.log(`T_ID=${q(task.id)}`);
console.log(`T_LANG=${q(task.language)}`);
console.log(`T_DOMAIN=${q(domain)}`);
console.log(`T_SOLUTION=${q(task.solution_file)}`);
console.log(`T_OUTPUT=${q(task.build.output)}`);
arr('T_HARNESS', task.harness.files.filter((f) => !checker(f)));
arr('T_CHECKER', task.harness.files.filter(checker));
arr('T_FLAGS', task.build.flags);
arr('T_SOURCES', sources);
arr('T_TEST', task.test.command);
JS
}

cuda_arch=""
cuda_ready() {
  [ -n "$cuda_arch" ] && return 0
  command -v nvcc >/dev/null || { cuda_why="nvcc not found"; return 1; }
  command -v nvidia-smi >/dev/null || { cuda_why="nvidia-smi not found (no GPU)"; return 1; }
  local cap
  cap=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -n1 | tr -d ' .')
  [ -n "$cap" ] || { cuda_why="nvidia-smi sees no GPU"; return 1; }
  cuda_arch="sm_$cap"
}

total=0
bad=0
note() { echo "$1"; }

# run_once DIR SEED: runs the test command; sets r_rc, r_verdicts, r_line, r_cuda.
run_once() {
  local dir=$1 seed=$2
  if [ "${#T_CHECKER[@]}" -gt 0 ]; then
    # The verdict comes from the task's checker (docs/task-authors.md), never from the candidate.
    (cd "$dir" && timeout -k 5 "$TEST_TIMEOUT" node "$here/run-checked.js" "$dir.trusted/checker" "$seed" -- "${T_TEST[@]}" >stdout.txt 2>stderr.txt)
  else
    (cd "$dir" && KISYSTEM_SEED=$seed timeout -k 5 "$TEST_TIMEOUT" "${T_TEST[@]}" >stdout.txt 2>stderr.txt)
  fi
  r_rc=$?
  r_verdicts=$(grep -c '^KISYSTEM_VERDICT: ' "$dir/stdout.txt")
  r_line=$(grep -m1 '^KISYSTEM_VERDICT: ' "$dir/stdout.txt")
  r_cuda=$(grep -m1 'CUDA error' "$dir/stderr.txt")
}

check_task() {
  local tdir=$1
  local vars
  vars=$(read_task "$tdir/task.yaml") || { note "FAILED $tdir: task.yaml is invalid"; bad=$((bad + 1)); return; }
  eval "$vars"
  echo "== $T_ID: language $T_LANG, domain $T_DOMAIN, solution $T_SOLUTION"
  if [ "$T_LANG" = cuda ] && ! cuda_ready; then
    note "skipped $T_ID: CUDA task and $cuda_why"
    return
  fi
  local answer expect
  while read -r answer expect _; do
    case "$answer" in ''|'#'*) continue ;; esac
    total=$((total + 1))
    local work
    work=$(mktemp -d "${TMPDIR:-/tmp}/kisystem-example.XXXXXX")
    local f
    for f in "${T_HARNESS[@]}"; do mkdir -p "$work/$(dirname "$f")"; cp "$tdir/$f" "$work/$f"; done
    mkdir -p "$work/$(dirname "$T_SOLUTION")"
    cp "$tdir/$answer" "$work/$T_SOLUTION"
    # kisystem_io.h, as kisystem writes it (activities/sandbox-protocol-header.ts).
    node -e 'const s=require("fs").readFileSync(process.argv[1],"utf8"); process.stdout.write(s.slice(s.indexOf("String.raw`")+11, s.lastIndexOf("`;")))' \
      "$root/activities/sandbox-protocol-header.ts" > "$work/kisystem_io.h"
    if [ "${#T_CHECKER[@]}" -gt 0 ]; then
      mkdir -p "$work.trusted"
      for f in "${T_CHECKER[@]}"; do cp "$tdir/$f" "$work.trusted/$f"; done
      cp "$work/kisystem_io.h" "$work.trusted/"
      local csrc=()
      for f in "${T_CHECKER[@]}"; do case "$f" in *.cpp|*.cc|*.cxx) csrc+=("$f") ;; esac; done
      (cd "$work.trusted" && g++ -std=c++17 -O2 -o checker "${csrc[@]}" >build.txt 2>&1) || { note "FAILED $T_ID: the checker does not build: $(head -5 "$work.trusted/build.txt")"; bad=$((bad + 1)); continue; }
    fi
    local build_rc
    if [ "$T_LANG" = cuda ]; then
      (cd "$work" && nvcc "${T_FLAGS[@]}" -arch="$cuda_arch" -o "$T_OUTPUT" "${T_SOURCES[@]}" >build.txt 2>&1)
    else
      (cd "$work" && g++ "${T_FLAGS[@]}" -o "$T_OUTPUT" "${T_SOURCES[@]}" >build.txt 2>&1)
    fi
    build_rc=$?
    local result="" ok=1
    if [ "$build_rc" -ne 0 ]; then
      result="build error: $(grep -m1 -E 'error' "$work/build.txt")"
      [ "$expect" = build-error ] || ok=0
    elif [ "$expect" = build-error ]; then
      result="built, but a build error was expected"
      ok=0
    else
      local runs=1 i seed
      case "$expect" in pass|fail-or-crash) runs=$RUNS ;; esac
      for ((i = 1; i <= runs; i++)); do
        seed=$(( (RANDOM << 15) | RANDOM ))
        run_once "$work" "$seed"
        case "$expect" in
          pass) [ "$r_rc" -eq 0 ] && [ "$r_verdicts" -eq 1 ] && [ "$r_line" = "KISYSTEM_VERDICT: PASS" ] || ok=0 ;;
          fail) [ "$r_rc" -eq 1 ] && [ "$r_verdicts" -eq 1 ] && [[ "$r_line" == "KISYSTEM_VERDICT: FAIL "* ]] || ok=0 ;;
          cuda-error) [ "$r_rc" -eq 2 ] && [ "$r_verdicts" -eq 0 ] && [ -n "$r_cuda" ] || ok=0 ;;
          fail-or-crash) [ "$r_rc" -ne 0 ] && [ "$r_line" != "KISYSTEM_VERDICT: PASS" ] && [ "$r_verdicts" -le 1 ] || ok=0 ;;
          *) result="unknown expectation '$expect'"; ok=0 ;;
        esac
        local what="exit $r_rc"
        [ "$r_rc" -ge 124 ] && what="exit $r_rc (timeout or signal)"
        [ -n "$r_line" ] && what="$what, $r_line"
        [ -n "$r_cuda" ] && what="$what, $r_cuda"
        result="${result:+$result | }seed $seed: $what"
        [ "$ok" -eq 1 ] || break
      done
    fi
    if [ "$ok" -eq 1 ]; then
      note "ok     $T_ID $answer (expected $expect): $result"
    else
      note "WRONG  $T_ID $answer (expected $expect): $result  [kept in $work]"
      bad=$((bad + 1))
      continue
    fi
    [ "${KEEP:-0}" = 1 ] && echo "  kept in $work" || rm -rf "$work" "$work.trusted"
  done <"$tdir/expected-outcomes.txt"
}

if [ "$#" -gt 0 ]; then
  tasks=("$@")
else
  tasks=()
  for d in "$here"/*/; do [ -f "$d/task.yaml" ] && tasks+=("${d%/}"); done
fi
for t in "${tasks[@]}"; do check_task "$(cd "$t" && pwd)"; done

echo
echo "checked $total answers, $bad not as expected"
[ "$bad" -eq 0 ]
