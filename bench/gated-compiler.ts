/**
 * A compiler stand-in for fault runs (never used by kisystem itself): a `g++` first on the GPU
 * workers' PATH that runs the real g++, except for a build whose sources in the run folder carry
 * GATE_MARK: that build writes `started-<host>` into the gate folder and waits until the run opens the
 * gate. So a host can be killed while it is certainly in the middle of that build, with no timing guess.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const GATE_MARK = 'KISYSTEM_LOAD_GATE';

export interface Gate {
  /** Put first on the GPU workers' PATH (the workers also need KISYSTEM_GATE_DIR and KISYSTEM_HOST_ID). */
  binDir: string;
  dir: string;
  /** Hosts that have started the gated build, in order. */
  startedOn(): string[];
  /** Resolves with the host once a host not in `except` has started the gated build. */
  waitForStart(except: readonly string[], timeoutMs: number): Promise<{ host: string; at: number }>;
  open(): void;
}

export function makeGate(root: string, realCompiler = '/usr/bin/g++'): Gate {
  const binDir = join(root, 'bin');
  const dir = join(root, 'gate');
  mkdirSync(binDir, { recursive: true });
  mkdirSync(dir, { recursive: true });
  const wrapper = join(binDir, 'g++');
  writeFileSync(wrapper, `#!/bin/sh
# Compiler stand-in of a load run (bench/gated-compiler.ts): waits at the gate for a marked build.
if grep -qs '${GATE_MARK}' ./*.h ./*.hpp ./*.cpp 2>/dev/null; then
  echo "$(date +%s%3N)" > "$KISYSTEM_GATE_DIR/started-$KISYSTEM_HOST_ID"
  while [ ! -e "$KISYSTEM_GATE_DIR/open" ]; do sleep 0.1; done
fi
exec ${realCompiler} "$@"
`);
  chmodSync(wrapper, 0o755);
  const startedOn = () => readdirSync(dir).filter((f) => f.startsWith('started-')).map((f) => f.slice('started-'.length));
  return {
    binDir,
    dir,
    startedOn,
    async waitForStart(except, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const host = startedOn().find((h) => !except.includes(h));
        if (host) return { host, at: Date.now() };
        if (Date.now() > deadline) throw new Error(`no host started the gated build within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    open() {
      if (!existsSync(join(dir, 'open'))) writeFileSync(join(dir, 'open'), '');
    },
  };
}
