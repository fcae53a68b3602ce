import type { Command } from 'commander';
import type { CommandContext } from './context.js';

/** Adds `rls-matrix verify <dir>`: 0 intact, 1 altered or missing, 2 no manifest or a bad key. */
export function registerVerifyCommand(program: Command, context: CommandContext): void {
  program
    .command('verify')
    .description("check an archived report's manifest (hashes of every artifact and source) and signature")
    .argument('<dir>', 'report directory')
    .option('--key <file>', 'Ed25519 public key (PEM or JWK) to check the signature with')
    .action(async (dir: string, flags: { key?: string }) => {
      context.setStopping('verify stopped before it finished (it changes nothing)');
      const { verifyReport, verifyConsoleText } = await import('../reports/index.js');
      const result = await verifyReport(dir, { ...(flags.key ? { publicKey: flags.key } : {}), cwd: process.cwd() });
      context.io.stdout(verifyConsoleText(dir, result));
      context.setExitCode(result.ok ? 0 : 1);
    });
}
