/** Reads a task file (YAML or JSON) and its harness files into a {@link ResolvedTask}. */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { inferDomain } from '../policy/rules/domains';
import { parseTaskFile, TaskFileError, type ResolvedTask, type TaskFileContent } from '../policy/schemas/task-schema';

function readHarnessFile(taskPath: string, folder: string, path: string): TaskFileContent {
  try {
    return { path, content: readFileSync(resolve(folder, path), 'utf8') };
  } catch (error) {
    throw new TaskFileError(`${taskPath}: harness file ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (error as Error).message}`);
  }
}

export function loadTask(taskPath: string): ResolvedTask {
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
  const harnessFiles = file.harness.files.map((p) => readHarnessFile(taskPath, folder, p));
  if (file.harness.files.includes(file.solution_file)) {
    throw new TaskFileError(`${taskPath}: solution_file: ${file.solution_file} is also a harness file`);
  }
  for (const p of file.harness.interface) {
    if (!file.harness.files.includes(p)) throw new TaskFileError(`${taskPath}: harness.interface: ${p} is not listed in harness.files`);
  }
  const interfaceFiles = harnessFiles.filter((f) => file.harness.interface.includes(f.path));
  const inferred = file.domain ? { domain: file.domain, reason: 'given in the task file' } : inferDomain(file.language, `${file.title}\n${file.goal}`);
  const { harness: _harness, domain: _domain, ...rest } = file;
  return { ...rest, domain: inferred.domain, domainReason: inferred.reason, harnessFiles, interfaceFiles, sourcePath: resolve(taskPath) };
}
