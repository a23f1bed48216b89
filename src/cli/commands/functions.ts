import { Command } from 'commander';
import { FUNCTIONS } from '../../sandbox/sdk/index.js';
import { emit } from '../output.js';

/** `writ functions`: every script function and the Cedar actions it asks for (rex-runner's --print-functions). */
export function functionsCommand(): Command {
  return new Command('functions')
    .description('list every script function with the Cedar actions it requests')
    .option('--json', 'print a JSON array')
    .action((flags: { json?: boolean }) => {
      if (flags.json) {
        emit(JSON.stringify(FUNCTIONS, null, 2));
        return;
      }
      for (const fn of FUNCTIONS) {
        emit(`${fn.signature}\n    ${fn.description}\n    ${fn.actions.length > 0 ? fn.actions.join('\n    ') : '(no Cedar request)'}`);
      }
    });
}
