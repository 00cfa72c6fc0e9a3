/**
 * Real-size C++ tasks for load runs: copies of an example task (its harness, checker and answers)
 * under ids of their own, each with a scripted model-server script that answers like the example's.
 * One task may be gated: its answer carries GATE_MARK, which the gated compiler (bench/gated-compiler.ts)
 * waits on, so a fault can be made to land while that build runs.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { parseModelScript, type LoadedScript } from '../scripted-model-server/scripts';
import { PROJECT_ROOT } from '../runtime/settings';
import { GATE_MARK } from './gated-compiler';

export interface LoadTaskSet {
  /** task.yaml of each task, in queue order. */
  files: string[];
  ids: string[];
  scripts: LoadedScript[];
  gatedTaskId: string | null;
}

/** `count` copies of examples/<example> under `root`; the task at `gatedIndex` (0-based) is gated. */
export function makeLoadTasks(root: string, count: number, gatedIndex: number | null, example = 'bounded-queue'): LoadTaskSet {
  const source = join(PROJECT_ROOT, 'examples', example);
  const task = parse(readFileSync(join(source, 'task.yaml'), 'utf8')) as Record<string, unknown>;
  const script = parse(readFileSync(join(source, 'model-script.yaml'), 'utf8')) as { task: string; models: Record<string, { file?: string }[]> };
  const out: LoadTaskSet = { files: [], ids: [], scripts: [], gatedTaskId: null };
  for (let i = 0; i < count; i++) {
    const id = `load-${example}-${String(i + 1).padStart(4, '0')}`;
    const dir = join(root, id);
    mkdirSync(dir, { recursive: true });
    cpSync(source, dir, { recursive: true });
    writeFileSync(join(dir, 'task.yaml'), stringify({ ...task, id }));
    const gated = i === gatedIndex;
    const models = Object.fromEntries(Object.entries(script.models).map(([model, answers]) => [model, answers.map((a) => {
      if (!gated || !a.file) return a;
      const file = `${a.file}.gated`;
      writeFileSync(join(dir, file), `${readFileSync(join(dir, a.file), 'utf8')}\n// ${GATE_MARK}\n`);
      return { ...a, file };
    })]));
    const scriptPath = join(dir, 'model-script.yaml');
    writeFileSync(scriptPath, stringify({ task: id, models }));
    out.scripts.push(parseModelScript(readFileSync(scriptPath, 'utf8'), scriptPath));
    out.files.push(join(dir, 'task.yaml'));
    out.ids.push(id);
    if (gated) out.gatedTaskId = id;
  }
  return out;
}
