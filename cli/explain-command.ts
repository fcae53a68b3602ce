import type { Command } from 'commander';
import type { CommandContext } from './context.js';

/** Adds `rls-matrix explain <cell-id> [--report DIR]`: which policies applied to a cell of a report and which one decided each row. */
export function registerExplainCommand(program: Command, context: CommandContext): void {
  program
    .command('explain')
    .description('which policies applied to a cell of a report, which one decided each row, and the statements to replay it in psql')
    .argument('<cell-id>', 'the cell id (table/persona/operation/scope) or a part only one id contains')
    .option('--report <dir>', 'report directory holding results.json', 'rls-report')
    .action(async (id: string, flags: { report: string }) => {
      context.setStopping('explain stopped before it finished (it changes nothing)');
      const { findCell, explainConsoleText } = await import('../reports/index.js');
      context.io.stdout(explainConsoleText(await findCell(flags.report, id), process.cwd()));
      context.setExitCode(0);
    });
}
