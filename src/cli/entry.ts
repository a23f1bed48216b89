import { main } from './main.js';

await main(process.argv.slice(2));
// V8 keeps optimizing the Cedar and QuickJS WebAssembly modules in the background after the work is
// done and Node waits for it (~150 ms). stdout/stderr writes are synchronous on Linux (files, pipes,
// TTYs), so everything is already written: exit now with the code the command chose.
process.exit(process.exitCode ?? 0);
