/**
 * Reading 1,000 small files through the sandbox, every read authorized by Cedar, against the same reads
 * in plain Node in this process. Reports the end-to-end ratio (sandbox start included) and the
 * per-read ratio (sandbox start subtracted).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validatePolicy } from '../src/policy/index.js';
import { DEFAULT_LIMITS, currentHostUser, runScript } from '../src/runner/index.js';
import { medianOf } from './stats.js';

const FILES = 1000;

export interface FileReadResult {
  readonly files: number;
  readonly nodeMs: number;
  readonly sandboxMs: number;
  readonly sandboxEmptyMs: number;
  readonly endToEndRatio: number;
  readonly perReadRatio: number;
}

export async function benchFileReads(runs = 5): Promise<FileReadResult> {
  const dir = join(tmpdir(), `writ-bench-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  try {
    const paths: string[] = [];
    for (let i = 0; i < FILES; i++) {
      const path = join(dir, `f${i}.txt`);
      writeFileSync(path, `file ${i} `.repeat(10));
      paths.push(path);
    }
    const policy = validatePolicy({
      path: 'bench.cedar',
      text: `permit(principal, action == file_system::Action::"open", resource == file_system::Dir::"${dir}");
permit(principal, action in [file_system::Action::"open", file_system::Action::"read"], resource) when { resource in file_system::Dir::"${dir}" };`,
    });
    const user = currentHostUser();
    const sandboxed = async (count: number): Promise<void> => {
      const report = await runScript({
        script: { filename: 'bench.js', language: 'js', text: `let n = 0; for (let i = 0; i < ${count}; i++) n += fs.read(args.dir + '/f' + i + '.txt').length; n` },
        args: { dir },
        policy,
        ceiling: null,
        limits: DEFAULT_LIMITS,
        user,
        learn: false,
      });
      if (report.status !== 'succeeded') throw new Error(`bench run failed: ${JSON.stringify(report.error)}`);
    };
    const node = (): number => {
      let n = 0;
      for (const p of paths) n += readFileSync(p, 'utf8').length;
      return n;
    };
    await sandboxed(FILES); // warm-up: compile the WASM modules, JIT the host paths
    node();
    const nodeMs = await medianOf(runs, node);
    const sandboxMs = await medianOf(runs, () => sandboxed(FILES));
    const sandboxEmptyMs = await medianOf(runs, () => sandboxed(0));
    return {
      files: FILES,
      nodeMs,
      sandboxMs,
      sandboxEmptyMs,
      endToEndRatio: sandboxMs / nodeMs,
      perReadRatio: (sandboxMs - sandboxEmptyMs) / nodeMs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
