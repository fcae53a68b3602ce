import { Command } from 'commander';
import { toolVersion } from '../core/index.js';
import type { CommandContext } from './context.js';
import { registerDiffCommand } from './diff-command.js';
import { reportError } from './errors.js';
import { registerExplainCommand } from './explain-command.js';
import { registerInitCommand } from './init-command.js';
import { EXIT, type Io, processIo } from './io.js';
import { registerLintCommand } from './lint-command.js';
import { registerMergeCommand } from './merge-command.js';
import { registerMutateCommand } from './mutate-command.js';
import { registerRecordCommand } from './record-command.js';
import { secretsInArgs } from './provider-flags.js';
import { registerRunCommand } from './run-command.js';
import { SignalTrap } from './signals.js';
import { terminalWriter } from './terminal.js';
import { registerVerifyCommand } from './verify-command.js';

/** Parses argv, runs the command and returns the exit code; the only caller of process.exit is bin/. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  // Every line printed is redacted (URL passwords and key=value secrets by form, known secrets such
  // as the --url password and started servers' passwords wherever they appear) and has its control
  // characters spelled out: see terminalWriter.
  const secrets = secretsInArgs(argv, io.env);
  io = { ...io, stdout: terminalWriter(io.stdout, secrets), stderr: terminalWriter(io.stderr, secrets) };
  let exitCode: number = EXIT.pass;
  const trap = new SignalTrap(io);
  const context: CommandContext = {
    io,
    signal: trap.aborter.signal,
    onStarted: (database) => {
      trap.addServer(database);
      secrets.push(database.connection.password);
    },
    onCleanup: (cleanup) => trap.addCleanup(cleanup),
    setStopping: (what) => (trap.stopping = what),
    setExitCode: (code) => (exitCode = code),
  };

  const program = new Command('rls-matrix')
    .description('Test PostgreSQL / Supabase Row-Level Security with an allow/deny matrix, run exactly as PostgREST would.')
    .version(toolVersion())
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  registerRunCommand(program, context);
  registerInitCommand(program, context);
  registerLintCommand(program, context);
  registerMutateCommand(program, context);
  registerRecordCommand(program, context);
  registerVerifyCommand(program, context);
  registerDiffCommand(program, context);
  registerMergeCommand(program, context);
  registerExplainCommand(program, context);

  const finished = (async () => {
    try {
      const command = program.parseAsync(argv as string[]);
      trap.watch(command);
      await command;
    } catch (error) {
      if (!trap.interruption) exitCode = reportError(error, io);
    }
    return trap.interruption ? await trap.interruption : exitCode;
  })();
  try {
    return await Promise.race([finished, trap.interrupted]);
  } finally {
    trap.dispose();
  }
}
