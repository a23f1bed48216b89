import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { RunInputError } from './errors.js';

export interface ScriptSource {
  readonly filename: string;
  readonly text: string;
  readonly language: 'js' | 'ts';
}

/** Picks the language from the file name; REX's Rhai scripts are recognised and refused by name. */
export function languageOf(filename: string): 'js' | 'ts' {
  const ext = extname(filename).toLowerCase();
  if (ext === '.ts' || ext === '.mts' || ext === '.cts') return 'ts';
  if (ext === '.rhai') {
    throw new RunInputError('LANGUAGE_UNSUPPORTED', `${basename(filename)}: Rhai not supported yet; write the script in JavaScript or TypeScript`);
  }
  return 'js';
}

export function loadScriptFile(path: string): ScriptSource {
  const language = languageOf(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new RunInputError('SCRIPT_NOT_FOUND', `${path}: cannot read script: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return { filename: basename(path), text, language };
}
