/**
 * The source's shape, checked on every run: imports between the top folders only run down the layers,
 * no two files import each other (directly or round a loop), workflow code takes activities as types
 * only and no Node built-ins, pg or kysely, and no line in workflows/ is longer than 160 characters
 * (the workflow code is read most, often side by side with its history).
 *
 * The layers, lowest first; a folder imports only from its own layer's folder and those below it:
 *   policy (pure rules, simulation) <- contracts (types and messages both sides share)
 *   <- runtime (settings, config and task loading, the dev server) <- db <- activities
 *   <- workflows (activities as types only) <- workers, scripted-model-server (a stand-in model server)
 *   <- client (the kisystem command) <- bench (harnesses that drive the stack through the client) <- scripts
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(__dirname, '../..');
const LAYERS: readonly (readonly string[])[] = [
  ['policy'],
  ['contracts'],
  ['runtime'],
  ['db'],
  ['activities'],
  ['workflows'],
  ['workers', 'scripted-model-server'],
  ['client'],
  ['bench'],
  ['scripts'],
];

const MAX_WORKFLOW_LINE = 160;

const layerOf = new Map(LAYERS.flatMap((folders, rank) => folders.map((f) => [f, rank] as const)));

interface ImportEdge {
  from: string;
  to: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const rel = join(dir, name);
    if (statSync(join(ROOT, rel)).isDirectory()) return sourceFiles(rel);
    return rel.endsWith('.ts') && !rel.endsWith('.d.ts') ? [rel] : [];
  });
}

/** The file a relative specifier names (`x` -> `x.ts` or `x/index.ts`), relative to ROOT. */
function resolveRelative(fromFile: string, spec: string): string | null {
  const base = join(dirname(fromFile), spec);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) {
    try {
      if (statSync(join(ROOT, candidate)).isFile()) return candidate;
    } catch {
      // not this one
    }
  }
  return null;
}

/** Every module a file names: import and export declarations, import() and require() with a literal. */
function modulesNamed(file: string): { spec: string; typeOnly: boolean }[] {
  const source = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const found: { spec: string; typeOnly: boolean }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      const allNamedTypes = !!bindings && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly) && !clause?.name;
      found.push({ spec: node.moduleSpecifier.text, typeOnly: !!clause && (clause.isTypeOnly || allNamedTypes) });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ spec: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    } else if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteral(node.arguments[0])) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require')) {
        found.push({ spec: (node.arguments[0] as ts.StringLiteral).text, typeOnly: false });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const topOf = (file: string): string => file.split(/[\\/]/)[0];
const files = LAYERS.flat().flatMap((dir) => sourceFiles(dir));
const named = new Map(files.map((f) => [f, modulesNamed(f)]));
const edges: ImportEdge[] = files.flatMap((from) =>
  named.get(from)!.flatMap(({ spec, typeOnly }) => {
    if (!spec.startsWith('.')) return [];
    const to = resolveRelative(from, spec);
    return to ? [{ from, to, typeOnly }] : [];
  }),
);

/** Import loops among the source files (Tarjan's strongly connected components of more than one file). */
function importLoops(): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const loops: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const loop: string[] = [];
      for (let w = stack.pop()!; ; w = stack.pop()!) {
        onStack.delete(w);
        loop.push(w);
        if (w === v) break;
      }
      if (loop.length > 1) loops.push(loop.sort());
    }
  };
  for (const f of files) if (!index.has(f)) connect(f);
  return loops;
}

describe('source layout', () => {
  it('finds the source files and their imports (the checks below have something to check)', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(edges.length).toBeGreaterThan(300);
    expect(edges.some((e) => e.from.startsWith('workflows/') && e.to.startsWith('activities/') && e.typeOnly)).toBe(true);
  });

  it('imports between top folders run down the layers only', () => {
    const upward = edges
      .filter((e) => {
        const from = topOf(e.from);
        const to = topOf(e.to);
        if (from === to) return false;
        const rankTo = layerOf.get(to);
        return rankTo === undefined || rankTo >= layerOf.get(from)!;
      })
      .map((e) => `${e.from} imports ${e.to}`);
    expect(upward).toEqual([]);
  });

  it('no file imports itself back, directly or round a loop', () => {
    expect(importLoops()).toEqual([]);
  });

  it('workflow code takes activities as types only, and no Node built-ins, pg or kysely (the workflow sandbox has none)', () => {
    const node = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const wrong = [...named.entries()]
      .filter(([file]) => topOf(file) === 'workflows')
      .flatMap(([file, specs]) =>
        specs
          .filter(({ spec, typeOnly }) => {
            if (typeOnly) return false;
            if (node.has(spec) || spec === 'pg' || spec === 'kysely') return true;
            const to = spec.startsWith('.') ? resolveRelative(file, spec) : null;
            return to !== null && ['activities', 'db', 'runtime'].includes(topOf(to));
          })
          .map(({ spec }) => `${file} imports ${spec}`),
      );
    expect(wrong).toEqual([]);
  });

  it(`no line in workflows/ is longer than ${MAX_WORKFLOW_LINE} characters`, () => {
    const long = files
      .filter((f) => topOf(f) === 'workflows')
      .flatMap((f) =>
        readFileSync(join(ROOT, f), 'utf8')
          .split('\n')
          .flatMap((line, i) => (line.length > MAX_WORKFLOW_LINE ? [`${f}:${i + 1} (${line.length})`] : [])),
      );
    expect(long).toEqual([]);
  });
});
