import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Temporary projects and directories for a test file; no database (unit tests use these too). */

// Projects and temporary directories live until the test file that made them is done (a run may read
// them late): test/remove-projects.ts, a setup file, removes them after each file. (An afterAll here
// would run for the first file only where modules are shared between files, as the unit tests do.)
const projects: string[] = [];

/** Removes every project and directory made so far. */
export async function removeProjects(): Promise<void> {
  await Promise.all(projects.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/** A new temporary directory others may enter (as root, the server runs as postgres), removed after the test file. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await chmod(dir, 0o755);
  projects.push(dir);
  return dir;
}

/** Writes a project (matrix, migrations, seeds) into a new temporary directory, removed after the test file. */
export async function writeProject(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rls-matrix-test-'));
  projects.push(dir);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}
