/** Reads a task file (YAML or JSON) and its harness files into a {@link ResolvedTask}, its wiring checked. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { inferDomain } from '../policy/rules/domains';
import { parseTaskFile, TaskFileError, type ResolvedTask, type TaskFileContent } from '../policy/schemas/task-schema';
import { checkTaskWiring, formatWiringProblem, wiringOfFile } from '../policy/schemas/task-wiring';

/** The harness files that can be read (a missing one is the wiring check's to report, with the rest). */
function readHarnessFiles(taskPath: string, folder: string, paths: readonly string[]): TaskFileContent[] {
  const files: TaskFileContent[] = [];
  for (const path of paths) {
    try {
      files.push({ path, content: readFileSync(resolve(folder, path), 'utf8') });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      throw new TaskFileError(`${taskPath}: harness.files: ${path}: ${(error as Error).message}`);
    }
  }
  return files;
}

/** The folder's top-level files (a checker left there unlisted is a wiring error). */
function topLevelFiles(folder: string): string[] {
  try {
    return readdirSync(folder, { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

/**
 * Loads and checks one task file. Throws {@link TaskFileError} naming the file and the field for a
 * bad file or a wiring error; `warn` hears what is allowed but deserves a loud note (the old format).
 */
export function loadTask(taskPath: string, warn: (line: string) => void = () => undefined): ResolvedTask {
  let text: string;
  try {
    text = readFileSync(taskPath, 'utf8');
  } catch (error) {
    throw new TaskFileError(`${taskPath}: cannot read the task file: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = /\.json$/i.test(taskPath) ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new TaskFileError(`${taskPath}: not valid ${/\.json$/i.test(taskPath) ? 'JSON' : 'YAML'}: ${(error as Error).message}`);
  }
  const file = parseTaskFile(taskPath, value);
  const folder = dirname(resolve(taskPath));
  const harnessFiles = readHarnessFiles(taskPath, folder, file.harness.files);
  const reference = file.reference_answer === undefined ? undefined : readHarnessFiles(taskPath, folder, [file.reference_answer])[0];
  const folderFiles = [...new Set([...topLevelFiles(folder), ...harnessFiles.map((f) => f.path), ...(reference ? [reference.path] : [])])];
  const report = checkTaskWiring(wiringOfFile(file, new Map(harnessFiles.map((f) => [f.path, f.content]))), folderFiles);
  if (report.errors.length > 0) {
    throw new TaskFileError(`the task's files are not wired right\n${report.errors.map((p) => formatWiringProblem(taskPath, p)).join('\n')}`);
  }
  for (const w of report.warnings) warn(`WARNING ${formatWiringProblem(taskPath, w)}`);
  const interfaceFiles = harnessFiles.filter((f) => file.harness.interface.includes(f.path));
  const inferred = file.domain ? { domain: file.domain, reason: 'given in the task file' } : inferDomain(file.language, `${file.title}\n${file.goal}`);
  const { harness: _harness, domain: _domain, reference_answer: _reference, ...rest } = file;
  return {
    ...rest,
    domain: inferred.domain,
    domainReason: inferred.reason,
    harnessFiles,
    interfaceFiles,
    ...(reference ? { referenceAnswer: reference.content } : {}),
    sourcePath: resolve(taskPath),
  };
}
