/**
 * How a task's files are wired together, checked before anything runs: which harness file is the
 * trusted checker, which go into the candidate's build, which are shown to the model. A wiring
 * mistake found here is the task author's to fix; found later, it would fail every model's answer
 * (and be charged to the models) or leak the checker's reference to the model.
 *
 * Pure: the caller lists the task's folder and reads its files. The client checks a task file at
 * `submit` and `queue add`; the task workflow checks the task it was given again (a task started
 * another way), with the harness files it carries as its folder.
 */
import type { ResolvedTask, TaskFile } from './task-schema';

/** Extensions a checker file may have: host C++ sources and headers, built with g++ apart from the candidate. */
export const CHECKER_EXTENSIONS = ['cpp', 'cc', 'cxx', 'h', 'hh', 'hpp'] as const;
const CHECKER_NAME = new RegExp(`^checker[^/]*\\.(${CHECKER_EXTENSIONS.join('|')})$`);

/** A harness file that belongs to the trusted checker: top-level `checker*.(cpp|cc|cxx|h|hh|hpp)`. */
export function isCheckerFile(path: string): boolean {
  return CHECKER_NAME.test(path);
}

/** A checker translation unit (what g++ compiles into the checker). */
export function isCheckerSource(path: string): boolean {
  return isCheckerFile(path) && /\.(cpp|cc|cxx)$/.test(path);
}

/** Where a task's verdict comes from: its trusted checker, or the candidate's own (forgeable) verdict line. */
export type VerdictSource = 'checker' | 'self-reported';

export function verdictSourceOf(task: Pick<ResolvedTask, 'harnessFiles'>): VerdictSource {
  return task.harnessFiles.some((f) => isCheckerFile(f.path)) ? 'checker' : 'self-reported';
}

/** Text that only a checker has: the driver's entry points (kisystem_io.h). */
const CHECKER_TEXT = /\bKISYSTEM_CHECKER_MAIN\s*\(|\bkio_check\s*\(|\bkio_cases\s*\(/;
const QUOTED_INCLUDE = /^\s*#\s*include\s*"([^"]+)"/gm;
/** The header kisystem writes into both the candidate's and the checker's folder. */
const PROTOCOL_HEADER = 'kisystem_io.h';

/** What the wiring check reads of a task: its file lists, commands, and the harness files' text by path. */
export interface TaskWiring {
  solution_file: string;
  harness: { files: readonly string[]; interface: readonly string[] };
  build: { sources?: readonly string[]; output: string };
  test: { command: readonly string[] };
  benchmark?: { command: readonly string[] };
  /** The known-good answer's path (never a harness file: the model must not see it). */
  reference_answer?: string;
  /** Text of each harness file that could be read (a missing one has none). */
  contents: ReadonlyMap<string, string>;
}

export interface WiringProblem {
  /** The task file's field ("harness.interface", "build.sources"). */
  field: string;
  /** The harness file it is about, when one. */
  file: string | null;
  message: string;
}

export interface WiringReport {
  /** Each refuses the task. */
  errors: WiringProblem[];
  /** Each is shown loudly; the task still runs. */
  warnings: WiringProblem[];
}

/** The wiring of a parsed task file and the harness files read for it. */
export function wiringOfFile(file: Pick<TaskFile, 'solution_file' | 'harness' | 'build' | 'test' | 'benchmark' | 'reference_answer'>, contents: ReadonlyMap<string, string>): TaskWiring {
  return { solution_file: file.solution_file, harness: file.harness, build: file.build, test: file.test, benchmark: file.benchmark, reference_answer: file.reference_answer, contents };
}

/** The wiring of a task as a workflow carries it (its harness files are its whole folder). */
export function wiringOfTask(task: Pick<ResolvedTask, 'solution_file' | 'harnessFiles' | 'interfaceFiles' | 'build' | 'test' | 'benchmark'>): TaskWiring {
  return {
    solution_file: task.solution_file,
    harness: { files: task.harnessFiles.map((f) => f.path), interface: task.interfaceFiles.map((f) => f.path) },
    build: task.build,
    test: task.test,
    benchmark: task.benchmark,
    contents: new Map(task.harnessFiles.map((f) => [f.path, f.content])),
  };
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The checker name a misnamed checker file should have: dc_checker.cpp -> checker_dc.cpp. */
function checkerNameFor(name: string): string {
  const dot = name.lastIndexOf('.');
  const ext = name.slice(dot + 1).toLowerCase();
  const rest = name.slice(0, dot).replace(/[_-]*checker[_-]*/i, '_').replace(/^_+|_+$/g, '');
  return `checker${rest ? `_${rest}` : ''}.${(CHECKER_EXTENSIONS as readonly string[]).includes(ext) ? ext : 'cpp'}`;
}

/** Why a file that is not a checker by name still looks like one (so it would reach the candidate), or null. */
function looksLikeChecker(path: string, content: string | undefined): string | null {
  const name = baseName(path);
  if (path.includes('/') && isCheckerFile(name)) {
    return 'is named like a checker but lies in a subfolder: only top-level checker* files are the trusted checker';
  }
  if (/^checker[^/]*\.(cu|cuh)$/i.test(name)) return 'is named like a checker but is CUDA: the checker is host C++ built with g++ (name it checker*.cpp)';
  if (/checker/i.test(name) && /\.(c|cpp|cc|cxx|h|hh|hpp|cu|cuh|inl|ipp)$/i.test(name)) {
    return `is named like a checker but does not start with "checker": only top-level checker*.(${CHECKER_EXTENSIONS.join('|')}) names are the trusted checker (rename it to ${checkerNameFor(name)})`;
  }
  if (content !== undefined && CHECKER_TEXT.test(content)) {
    return 'holds checker code (KISYSTEM_CHECKER_MAIN, kio_cases or kio_check) but is not named checker*: it would be compiled into the candidate and copied into its folder';
  }
  return null;
}

function quotedIncludes(content: string): string[] {
  return [...content.matchAll(QUOTED_INCLUDE)].map((m) => m[1]!);
}

/** The program a command starts in the run folder, when it names one there (`./candidate`). */
function localProgram(command: readonly string[]): string | null {
  const program = command[0] ?? '';
  return program.startsWith('./') ? program.slice(2) : null;
}

/**
 * Checks a task's wiring against the files in its folder (paths relative to the task file's
 * folder, `/`-separated; the folder's top level at least, and every path the task names that
 * exists). Never throws.
 */
export function checkTaskWiring(task: TaskWiring, folderFiles: readonly string[]): WiringReport {
  const errors: WiringProblem[] = [];
  const warnings: WiringProblem[] = [];
  const error = (field: string, file: string | null, message: string) => errors.push({ field, file, message });
  const present = new Set(folderFiles);
  const harness = task.harness.files;
  const listed = new Set(harness);
  const checkers = harness.filter(isCheckerFile);
  const solution = task.solution_file;

  const seen = new Set<string>();
  for (const path of harness) {
    if (seen.has(path)) error('harness.files', path, 'is listed twice');
    seen.add(path);
    if (!present.has(path)) error('harness.files', path, 'no such file in the task folder');
    const why = isCheckerFile(path) ? null : looksLikeChecker(path, task.contents.get(path));
    if (why) error('harness.files', path, why);
  }

  if (listed.has(solution)) error('solution_file', solution, 'is also a harness file: the model writes it, the harness may not bring it');
  if (isCheckerFile(solution)) error('solution_file', solution, 'is named like the trusted checker: the model writes this file, so name it after what it implements');

  for (const path of task.harness.interface) {
    if (!listed.has(path)) error('harness.interface', path, 'is not listed in harness.files');
    if (isCheckerFile(path)) error('harness.interface', path, 'is the trusted checker: its text (inputs, reference, tolerances) would be shown to the model; list it in harness.files only');
  }

  for (const path of task.build.sources ?? []) {
    if (isCheckerFile(path)) error('build.sources', path, 'is the trusted checker: it is built apart from the candidate and never enters its folder; leave it out of build.sources');
    else if (path !== solution && !listed.has(path)) error('build.sources', path, 'is neither a harness file nor the solution_file: the candidate\'s build would not find it');
  }

  const checkerSources = checkers.filter(isCheckerSource);
  if (checkers.length > 0 && checkerSources.length === 0) {
    error('harness.files', checkers[0]!, `the checker files hold no translation unit: add a checker*.cpp that ends with KISYSTEM_CHECKER_MAIN(kernel, short, long)`);
  } else if (checkerSources.length > 0) {
    const all = checkers.map((p) => task.contents.get(p) ?? '').join('\n');
    if (!/\bKISYSTEM_CHECKER_MAIN\s*\(/.test(all) && !/\bint\s+main\s*\(/.test(all)) {
      error('harness.files', checkerSources[0]!, 'no checker file uses KISYSTEM_CHECKER_MAIN(kernel, short, long): the checker would have no main()');
    }
  }

  // Each side's folder holds only its own files and kisystem_io.h: an include across the line fails to build.
  for (const path of harness) {
    const content = task.contents.get(path);
    if (content === undefined) continue;
    const mine = isCheckerFile(path);
    for (const include of quotedIncludes(content)) {
      if (include === PROTOCOL_HEADER) continue;
      if (!mine && isCheckerFile(include)) {
        error('harness.files', path, `includes "${include}", a checker file: the checker's files never enter the candidate's folder`);
      } else if (mine && !isCheckerFile(include)) {
        error('harness.files', path, `includes "${include}": the checker is built from the checker* files and kisystem_io.h alone, it cannot see the candidate's or the interface's headers (copy what it needs into a checker*.h)`);
      }
    }
  }

  // A checker left in the folder of a task that lists none: the task would run without it (the old,
  // forgeable way). A task that lists its own checker may share the folder with other tasks' checkers.
  if (checkers.length === 0) {
    for (const path of folderFiles) {
      if (isCheckerFile(path)) error('harness.files', path, 'is in the task folder but not listed in harness.files: the task would run without its checker');
    }
  }

  const reference = task.reference_answer;
  if (reference !== undefined) {
    if (!present.has(reference)) error('reference_answer', reference, 'no such file in the task folder');
    if (listed.has(reference) || isCheckerFile(reference)) error('reference_answer', reference, 'is a harness or checker file: the reference answer must stay out of the harness (the model would see or build it)');
  }

  const programs: Array<[string, readonly string[] | undefined]> = [
    ['test.command', task.test.command],
    ['benchmark.command', task.benchmark?.command],
  ];
  for (const [field, command] of programs) {
    const program = command ? localProgram(command) : null;
    if (program !== null && program !== task.build.output && !(listed.has(program) && !isCheckerFile(program))) {
      error(field, program, `is neither build.output (${task.build.output}) nor a harness file: nothing in the run folder has that name`);
    }
  }

  if (checkers.length === 0) {
    warnings.push({
      field: 'harness.files',
      file: null,
      message:
        'no checker*.cpp: the old format, whose verdict is the candidate\'s own KISYSTEM_VERDICT line, which an answer can forge. ' +
        'Its runs are marked self-reported and left out of the learning (config learning.include_self_reported). Add a checker (docs/task-authors.md)',
    });
  }
  return { errors, warnings };
}

/** One problem as a line: `task.yaml: build.sources: checker.cpp: message`. */
export function formatWiringProblem(source: string, problem: WiringProblem): string {
  return `${source}: ${problem.field}: ${problem.file ? `${problem.file}: ` : ''}${problem.message}`;
}
