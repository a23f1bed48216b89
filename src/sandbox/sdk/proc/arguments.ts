import { SdkError } from '../../errors.js';

/**
 * How argv is described to Cedar as REX's `file_system::Arguments` entity. The rule is lexical, per
 * argument, and ignores position (so `--` does not hide later options from the policy):
 *   - `--name=value`      -> `name` in `keys`, tag `name` = `value`
 *   - any other `-x`, `--x` (length > 1, including `--` itself) -> in `flags`, exactly as written
 *   - everything else (including `-` and the empty string) -> in `positional_values`
 * A key given twice with different values is refused (AMBIGUOUS_ARGUMENTS): a tag holds one value, and
 * programs disagree on whether the first or last wins, so the policy could approve the other one.
 */
export interface ArgumentsDescription {
  readonly keys: string[];
  readonly flags: string[];
  readonly positional: string[];
  readonly tags: Record<string, string>;
}

export function describeArguments(argv: readonly string[]): ArgumentsDescription {
  // A Map, not an object: a key named `__proto__` must stay data.
  const tags = new Map<string, string>();
  const flags = new Set<string>();
  const positional = new Set<string>();
  for (const arg of argv) {
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 2) {
      const name = arg.slice(2, eq);
      const value = arg.slice(eq + 1);
      const previous = tags.get(name);
      if (previous !== undefined && previous !== value) {
        throw new SdkError('AMBIGUOUS_ARGUMENTS', `option --${name} is given twice with different values`);
      }
      tags.set(name, value);
    } else if (arg.startsWith('-') && arg.length > 1) {
      flags.add(arg);
    } else {
      positional.add(arg);
    }
  }
  return {
    keys: [...tags.keys()].sort(),
    flags: [...flags].sort(),
    positional: [...positional].sort(),
    // fromEntries defines own data properties, so `__proto__` is an ordinary key here.
    tags: Object.fromEntries(tags),
  };
}
