import { readFileSync } from 'node:fs';
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json.js';
import { RunInputError } from './errors.js';

/**
 * REX passes script arguments in a typed form, `{"name": {"stringValue": "x"}}`; writ also takes a
 * plain JSON object. A file is in typed form when every value is a one-key object whose key is one of these.
 */
const TYPED_KEYS = new Set(['stringValue', 'intValue', 'longValue', 'doubleValue', 'boolValue', 'booleanValue', 'listValue', 'arrayValue']);

function isTypedValue(value: JsonValue): value is JsonObject {
  if (!isJsonObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && TYPED_KEYS.has(keys[0] ?? '');
}

function untype(file: string, name: string, typed: JsonObject): JsonValue {
  const [key, value] = Object.entries(typed)[0] ?? [];
  const bad = (want: string): never => {
    throw new RunInputError('ARGS_INVALID', `${file}: argument "${name}": ${key} must be ${want}`);
  };
  switch (key) {
    case 'stringValue':
      return typeof value === 'string' ? value : bad('a string');
    case 'intValue':
    case 'longValue':
      return typeof value === 'number' && Number.isSafeInteger(value) ? value : bad('an integer');
    case 'doubleValue':
      return typeof value === 'number' ? value : bad('a number');
    case 'boolValue':
    case 'booleanValue':
      return typeof value === 'boolean' ? value : bad('true or false');
    case 'listValue':
    case 'arrayValue':
      if (!Array.isArray(value)) return bad('an array');
      return value.map((item, i) => (isTypedValue(item) ? untype(file, `${name}[${i}]`, item) : bad('an array of typed values')));
    default:
      return bad('a known typed value');
  }
}

/** Parses argument text (from `file`, for messages) into the plain object the script sees as `args`. */
export function parseArgsText(file: string, text: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new RunInputError('ARGS_INVALID', `${file}: not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!isJsonObject(parsed)) throw new RunInputError('ARGS_INVALID', `${file}: arguments must be a JSON object`);
  const values = Object.values(parsed);
  if (values.length === 0 || !values.every(isTypedValue)) return parsed;
  const out: JsonObject = {};
  for (const [name, value] of Object.entries(parsed)) out[name] = untype(file, name, value as JsonObject);
  return out;
}

export function loadArgsFile(file: string): JsonObject {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new RunInputError('ARGS_INVALID', `${file}: cannot read arguments file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return parseArgsText(file, text);
}
