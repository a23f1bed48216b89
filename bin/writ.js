#!/usr/bin/env node
// Runs the compiled CLI; falls back to the TypeScript sources (through tsx) in a checkout without a build.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli/entry.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/entry.ts', import.meta.url).href);
}
