/**
 * Temporary folders of a test file, removed after it (integration tests left their
 * /tmp/kisystem-* folders behind). Each test file gets its own module registry, so its own list.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

/** A fresh folder under the system's temp folder, named `<prefix>XXXXXX`, removed by {@link removeTempDirs}. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes every folder this test file made with {@link tempDir} (register with `afterAll(removeTempDirs)`). */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
