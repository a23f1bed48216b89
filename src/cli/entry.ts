// Scripts must not learn the host's time zone (QuickJS's glue reads local time from the host's Date):
// pin it before anything computes a local time. Host-side timestamps are all ISO-8601 UTC anyway.
process.env['TZ'] = 'UTC';

const { main } = await import('./main.js');
await main(process.argv.slice(2));
// V8 keeps optimizing the Cedar and QuickJS WebAssembly modules in the background after the work is
// done and Node waits for it (~150 ms). stdout/stderr writes are synchronous on Linux (files, pipes,
// TTYs), so everything is already written: exit now with the code the command chose.
process.exit(process.exitCode ?? 0);
