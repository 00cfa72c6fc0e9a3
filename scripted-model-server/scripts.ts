/**
 * Model scripts for the scripted model server (tests and the demo only; never a real model).
 *
 * One YAML file per task (`examples/<task>/model-script.yaml`) lists, per model name, the answers
 * that model gives in order. Everything is validated and every referenced file is read at load
 * time, so a broken script fails when the server starts, naming the file and the field, instead
 * of half-way through a demo.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';

/** File name the loader looks for in each task folder. */
export const MODEL_SCRIPT_FILE = 'model-script.yaml';

const itemSchema = z
  .strictObject({
    file: z.string().min(1).optional(),
    say: z.string().optional(),
    text: z.string().optional(),
    http_status: z.number().int().min(400).max(599).optional(),
    cut_short: z.boolean().optional(),
    /** The connection is dropped half-way through the stream, without the final message (a server crash). */
    break_stream: z.boolean().optional(),
    delay_ms: z.number().int().min(0).max(600_000).optional(),
  })
  .superRefine((item, ctx) => {
    const kinds = (['file', 'text', 'http_status'] as const).filter((k) => item[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: `an answer needs exactly one of file, text, http_status (found ${kinds.length === 0 ? 'none' : kinds.join(', ')})`,
      });
    }
    // `say` only decorates a file answer; elsewhere it would be silently ignored, so refuse it.
    if (item.say !== undefined && item.file === undefined) {
      ctx.addIssue({ code: 'custom', path: ['say'], message: '`say` goes with `file` only' });
    }
    if (item.cut_short && item.http_status !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['cut_short'], message: '`cut_short` cannot go with `http_status`' });
    }
  });

const scriptSchema = z.strictObject({
  task: z.string().min(1),
  models: z.record(z.string().min(1), z.array(itemSchema).min(1)),
});

/** One scripted answer, resolved at load time (file contents already read). */
export type ScriptedAnswer =
  | {
      kind: 'reply';
      /** Human-readable origin for the request log, e.g. `file answers/kernel.cu`. */
      label: string;
      content: string;
      /** Stream stops mid-answer with done_reason / finish_reason "length". */
      cutShort: boolean;
      /** The connection drops half-way, without a final message. */
      breakStream?: boolean;
      delayMs: number;
    }
  | { kind: 'http_status'; label: string; status: number; delayMs: number };

/** A validated script: the answers of each model for one task. */
export interface LoadedScript {
  /** Absolute path of the YAML file. */
  path: string;
  task: string;
  /** Model name exactly as written in the script -> answers in order (the last one repeats). */
  models: Record<string, ScriptedAnswer[]>;
}

/** A script that cannot be used; names the file and the field (dotted path, e.g. `models.qwen.1.file`). */
export class ModelScriptError extends Error {
  constructor(
    readonly scriptPath: string,
    readonly fieldPath: string,
    detail: string,
  ) {
    super(`${scriptPath}: ${fieldPath ? `${fieldPath}: ` : ''}${detail}`);
    this.name = 'ModelScriptError';
  }
}

/** Fence language for a file answer: the project's prompts ask for ```cuda or ```cpp blocks. */
function fenceLanguage(file: string): string {
  const ext = path.extname(file).toLowerCase();
  return ext === '.cu' || ext === '.cuh' ? 'cuda' : 'cpp';
}

/** Reply text for a file answer: a sentence, then the file in one fenced code block. */
export function fileReply(file: string, contents: string, say?: string): string {
  const sentence = say ?? `Here is the complete \`${path.basename(file)}\`.`;
  const body = contents.endsWith('\n') ? contents : `${contents}\n`;
  return `${sentence}\n\n\`\`\`${fenceLanguage(file)}\n${body}\`\`\`\n`;
}

function dotted(p: readonly PropertyKey[]): string {
  return p.map((k) => String(k)).join('.');
}

/**
 * Parses and validates one script's YAML text; files named by `file:` are read relative to the
 * script's folder.
 * @throws ModelScriptError on bad YAML, a schema violation or an unreadable answer file.
 */
export function parseModelScript(yamlText: string, scriptPath: string): LoadedScript {
  const absPath = path.resolve(scriptPath);
  let raw: unknown;
  try {
    raw = YAML.parse(yamlText);
  } catch (err) {
    throw new ModelScriptError(absPath, '', `invalid YAML: ${(err as Error).message}`);
  }
  const parsed = scriptSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // Zod reports unknown keys at the object; naming the key itself is what a script author needs.
    const field =
      issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
    throw new ModelScriptError(absPath, dotted(field), issue.message);
  }
  const dir = path.dirname(absPath);
  const models: Record<string, ScriptedAnswer[]> = {};
  for (const [model, items] of Object.entries(parsed.data.models)) {
    models[model] = items.map((item, i): ScriptedAnswer => {
      const delayMs = item.delay_ms ?? 0;
      if (item.http_status !== undefined) {
        return { kind: 'http_status', label: `http_status ${item.http_status}`, status: item.http_status, delayMs };
      }
      const cutShort = item.cut_short ?? false;
      if (item.text !== undefined) {
        return { kind: 'reply', label: 'text', content: item.text, cutShort, delayMs, breakStream: item.break_stream ?? false };
      }
      const file = item.file as string;
      let contents: string;
      try {
        contents = fs.readFileSync(path.resolve(dir, file), 'utf8');
      } catch (err) {
        throw new ModelScriptError(absPath, `models.${model}.${i}.file`, `cannot read ${file}: ${(err as Error).message}`);
      }
      return { kind: 'reply', label: `file ${file}`, content: fileReply(file, contents, item.say), cutShort, delayMs, breakStream: item.break_stream ?? false };
    });
  }
  return { path: absPath, task: parsed.data.task, models };
}

/** Script files of an examples folder: `<dir>/model-script.yaml` and `<dir>/*\/model-script.yaml`. */
export function findModelScripts(dir: string): string[] {
  const found: string[] = [];
  const own = path.join(dir, MODEL_SCRIPT_FILE);
  if (fs.existsSync(own)) found.push(own);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const candidate = path.join(dir, entry.name, MODEL_SCRIPT_FILE);
    if (entry.isDirectory() && fs.existsSync(candidate)) found.push(candidate);
  }
  return found;
}

/**
 * Loads model scripts from a folder of task folders (`examples/`) or from a list of script files.
 * Two scripts for the same task are refused, since which one answers would be arbitrary.
 * @throws ModelScriptError naming the file and field of the first problem.
 */
export function loadModelScripts(source: string | readonly string[]): LoadedScript[] {
  const files = typeof source === 'string' && fs.statSync(source).isDirectory() ? findModelScripts(source) : ([] as string[]).concat(source);
  const byTask = new Map<string, string>();
  return files.map((file) => {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new ModelScriptError(path.resolve(file), '', `cannot read script: ${(err as Error).message}`);
    }
    const script = parseModelScript(text, file);
    const earlier = byTask.get(script.task);
    if (earlier !== undefined) {
      throw new ModelScriptError(script.path, 'task', `task "${script.task}" is already scripted in ${earlier}`);
    }
    byTask.set(script.task, script.path);
    return script;
  });
}
