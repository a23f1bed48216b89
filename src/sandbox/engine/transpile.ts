/**
 * TypeScript -> JavaScript by type stripping (`transpileModule`: no type checking, no module
 * rewriting, so `export default` survives). `typescript` takes ~200 ms to load, so it is required
 * lazily and synchronously (before runInSandbox awaits its instance) the first time a TS script runs.
 */
import { createRequire } from 'node:module';
import type * as TS from 'typescript';
import { LineMap } from './source-map.js';

export type TranspileResult =
  | { readonly ok: true; readonly code: string; readonly lines: LineMap | undefined }
  | { readonly ok: false; readonly message: string; readonly line: number; readonly column: number };

let typescript: typeof TS | undefined;

function loadTypeScript(): typeof TS {
  typescript ??= createRequire(import.meta.url)('typescript') as typeof TS;
  return typescript;
}

export function transpileTypeScript(source: string, filename: string): TranspileResult {
  const ts = loadTypeScript();
  const out = ts.transpileModule(source, {
    fileName: filename,
    reportDiagnostics: true,
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      sourceMap: true,
      inlineSources: false,
      removeComments: false,
      // Scripts are checked by the sandbox, not by tsc: never let a type error block or alter the run.
      noEmitOnError: false,
    },
  });
  const firstError = (out.diagnostics ?? []).find((d) => d.category === ts.DiagnosticCategory.Error);
  if (firstError !== undefined) {
    const pos = firstError.file !== undefined && firstError.start !== undefined
      ? firstError.file.getLineAndCharacterOfPosition(firstError.start)
      : { line: 0, character: 0 };
    return {
      ok: false,
      message: ts.flattenDiagnosticMessageText(firstError.messageText, '\n'),
      line: pos.line + 1,
      column: pos.character + 1,
    };
  }
  const code = out.outputText.replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n');
  return { ok: true, code, lines: out.sourceMapText === undefined ? undefined : LineMap.parse(out.sourceMapText) };
}
