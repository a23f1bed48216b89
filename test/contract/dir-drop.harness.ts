import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { until, type Delivery, type FinalResult, type TransportHarness } from './harness.js';

const readOr = (path: string, fallback: Buffer): Buffer => {
  try {
    return readFileSync(path);
  } catch {
    return fallback;
  }
};

/** Drop the `.writ` into the inbox (by rename, as `scp` to a temp name then `mv` would); read the outbox. */
export function dirDropHarness(workDir: string): Promise<TransportHarness> {
  const inbox = join(workDir, 'inbox');
  const outbox = join(workDir, 'outbox');
  const deliver = (writ: Uint8Array, label: string): Promise<Delivery> => {
    const staged = join(workDir, `${label}.writ`);
    writeFileSync(staged, writ);
    // The transport makes the inbox when the agent starts, before any test delivers.
    renameSync(staged, join(inbox, `${label}.writ`));
    const at = (suffix: string): string => join(outbox, `${label}.${suffix}`);
    return Promise.resolve({
      progress: () => {
        const final = existsSync(at('exit'));
        return Promise.resolve({ log: final ? readFileSync(at('log')) : readOr(at('log.partial'), Buffer.alloc(0)), final });
      },
      final: async (timeoutMs = 30_000): Promise<FinalResult> => {
        const exit = await until(`${label}.exit`, timeoutMs, () => Promise.resolve(existsSync(at('exit')) ? readFileSync(at('exit'), 'utf8').trim() : undefined));
        const json = JSON.parse(readFileSync(at('json'), 'utf8')) as { error?: { code: string } | null; run?: unknown };
        return { exitCode: exit === '-' ? null : Number(exit), log: readFileSync(at('log')), errorCode: json.error?.code ?? null };
      },
    });
  };
  return Promise.resolve({
    name: 'dir-drop',
    configYaml: `dirDrop:\n  inbox: ${inbox}\n  outbox: ${outbox}\n  pollMs: 50\n`,
    deliver,
    close: () => Promise.resolve(),
  });
}
