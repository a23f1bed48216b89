import { BundleError } from './errors.js';
import { MANIFEST_FILE, type Manifest, type ManifestLanguage } from './manifest.js';

export const POLICY_FILE = 'policy.cedar';
export const ARGS_FILE = 'args.json';
export const INPUTS_DIR = 'inputs/';

/** Where a bundle's parts are, once its files are known to be exactly the expected ones. */
export interface BundleLayout {
  readonly entry: string;
  readonly language: ManifestLanguage;
  readonly inputs: ReadonlyMap<string, Uint8Array>;
}

const SCRIPT_EXT: Readonly<Record<string, ManifestLanguage>> = {
  '.js': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.ts': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.rhai': 'rhai',
};

export function languageOfEntry(name: string): ManifestLanguage | undefined {
  const dot = name.lastIndexOf('.');
  return dot === -1 ? undefined : SCRIPT_EXT[name.slice(dot).toLowerCase()];
}

/**
 * Checks that a bundle holds exactly what a writ may hold (manifest.json, policy.cedar, args.json,
 * the entry script, inputs/...) and finds the entry: the manifest names it, and a manifest-less
 * bundle (`tar czf bundle.tar.gz script.js policy.cedar`) must have exactly one top-level script.
 * Unknown files are refused: a file nobody reads is at best a mistake, at worst a smuggled payload
 * waiting for a future version that does read it.
 */
export function checkLayout(files: ReadonlyMap<string, Uint8Array>, manifest: Manifest | null): BundleLayout {
  if (!files.has(POLICY_FILE)) throw new BundleError('MALFORMED', `bundle has no ${POLICY_FILE}`);
  const inputs = new Map<string, Uint8Array>();
  const others: string[] = [];
  for (const [path, bytes] of files) {
    if (path === MANIFEST_FILE || path === POLICY_FILE || path === ARGS_FILE) continue;
    if (path.startsWith(INPUTS_DIR)) inputs.set(path.slice(INPUTS_DIR.length), bytes);
    else others.push(path);
  }
  const entry = manifest ? manifest.entry : onlyScript(others);
  const language = languageOfEntry(entry);
  if (!files.has(entry) || entry.startsWith(INPUTS_DIR)) throw new BundleError('MALFORMED', `${MANIFEST_FILE}: entry "${entry}" is not a script file in the bundle`);
  // The manifest's language must agree with the file name, so tools reading either see the same thing.
  if (language === undefined || (manifest && manifest.language !== language)) {
    throw new BundleError('MALFORMED', `entry "${entry}": language ${manifest?.language ?? 'unknown'} does not match its file name`);
  }
  const stray = others.filter((p) => p !== entry).sort();
  if (stray.length > 0) throw new BundleError('MALFORMED', `unexpected file${stray.length > 1 ? 's' : ''} in bundle: ${stray.slice(0, 5).join(', ')} (a bundle holds ${MANIFEST_FILE}, ${POLICY_FILE}, ${ARGS_FILE}, the entry script and ${INPUTS_DIR}*)`);
  return { entry, language, inputs };
}

function onlyScript(paths: readonly string[]): string {
  const scripts = paths.filter((p) => !p.includes('/') && languageOfEntry(p) !== undefined);
  if (scripts.length !== 1) {
    throw new BundleError('MALFORMED', scripts.length === 0 ? 'bundle has no script (script.js, .ts or .rhai) and no manifest naming one' : `bundle without a manifest has ${scripts.length} scripts (${scripts.sort().join(', ')}); add a manifest naming the entry`);
  }
  return scripts[0] ?? '';
}
