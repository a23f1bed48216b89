import { Command } from 'commander';
import { PolicyError, loadPolicyFile, validatePolicy } from '../../policy/index.js';
import { emit } from '../output.js';

/** `writ policy check FILE...`: parse and validate against writ's (REX-compatible) schema. */
function checkCommand(): Command {
  return new Command('check')
    .description("parse and validate Cedar policy files against writ's REX-compatible schema")
    .argument('<files...>', 'policy files')
    .option('--json', 'one JSON object per file: {file, ok, error}')
    .action((files: string[], flags: { json?: boolean }) => {
      let failed = false;
      for (const file of files) {
        try {
          validatePolicy(loadPolicyFile(file));
          emit(flags.json ? JSON.stringify({ file, ok: true, error: null }) : `${file}: OK`);
        } catch (err) {
          if (!(err instanceof PolicyError)) throw err;
          failed = true;
          emit(flags.json ? JSON.stringify({ file, ok: false, error: { code: err.code, message: err.message } }) : `${err.code}: ${err.message}`);
        }
      }
      // Same code as a run rejected for its policy, so scripts can treat both alike.
      if (failed) process.exitCode = 4;
    });
}

export function policyCommand(): Command {
  return new Command('policy').description('policy tools').addCommand(checkCommand());
}
