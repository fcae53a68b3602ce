import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HarnessError, type Reporter } from '../core/index.js';
import type { EmbeddedMajor } from '../database/index.js';
import { jsonWithoutControls, VersionComparison, versionsConsoleText, versionsMarkdown } from '../reports/index.js';
import type { Io } from './io.js';

/** What `run --pg-version` writes beside the majors' report folders. */
const VERSIONS_FILES = ['versions.md', 'versions.json'];

/**
 * `run --pg-version 15,17,18`: one run per major, one after the other, each writing its report into
 * `<out>/pg<major>`; then every cell whose outcome differs between the majors, on the console and
 * in `<out>/versions.md` and `versions.json`. Exit code: the worst of the runs' (a difference is
 * reported; a verdict that fails on one major fails that run).
 */
export async function runEachVersion(
  versions: readonly EmbeddedMajor[],
  options: { out: string; reports: boolean; io: Io },
  runOne: (major: EmbeddedMajor, outDir: string, extra: Reporter[]) => Promise<number>,
): Promise<number> {
  if (options.reports) await checkVersionsFolder(options.out, versions);
  const comparison = new VersionComparison();
  let exitCode = 0;
  for (const major of versions) exitCode = Math.max(exitCode, await runOne(major, join(options.out, `pg${major}`), [comparison.reporter(major)]));
  const differences = comparison.differences();
  options.io.stdout(versionsConsoleText(versions, differences));
  if (options.reports) {
    await writeFile(join(options.out, 'versions.md'), versionsMarkdown(versions, differences));
    await writeFile(join(options.out, 'versions.json'), `${jsonWithoutControls(JSON.stringify({ versions, differences }, null, 2))}\n`);
  }
  return exitCode;
}

/**
 * `--out` holds one report folder per major and the comparison: a folder holding anything else
 * (a single run's report, the user's files) is refused rather than mixed with ours.
 */
async function checkVersionsFolder(out: string, versions: readonly string[]): Promise<void> {
  await mkdir(out, { recursive: true });
  const ours = (name: string) => /^pg\d+$/.test(name) || VERSIONS_FILES.includes(name) || /^\.pg\d+\.rls-matrix/.test(name);
  const foreign = (await readdir(out)).filter((name) => !ours(name));
  if (foreign.length) {
    throw new HarnessError(
      'ERR_USAGE',
      `--out ${out} holds ${foreign.slice(0, 5).join(', ')}: with several --pg-version majors it holds a report folder per major (${versions.map((v) => `pg${v}`).join(', ')}) and versions.md, so point --out at a folder of its own`,
    );
  }
}
