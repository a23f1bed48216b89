import type { PolicyDiagnostic } from './errors.js';

/**
 * cedar-wasm parses and validates recursively inside WebAssembly: about 150 nested brackets, 700
 * nested `if`s or 250 chained `.method()` calls overflow its stack, and after such a crash every
 * later Cedar call in the process fails too. A bundle's policy comes from outside the host, so these
 * bounds are checked on the raw text before Cedar ever sees it; real policies stay far below them.
 */
export const POLICY_COMPLEXITY_LIMITS = Object.freeze({
  /** Brackets (, [, { open at once. */
  maxNesting: 64,
  /** Per policy statement: open brackets + `if`s + `.` accesses, each of which deepens Cedar's recursion. */
  maxDepthScore: 128,
  /** Per policy statement: binary operators (&&, ||, +, ==, ...), parsed as a left-leaning chain. */
  maxOperators: 1000,
});

const OPEN = new Set(['(', '[', '{']);
const CLOSE = new Set([')', ']', '}']);
const OPERATOR = /^(?:&&|\|\||==|!=|<=|>=|[<>+\-*])/;

/** Returns the first complexity problem in `text` (with its character index), or null. */
export function findComplexityProblem(text: string): (PolicyDiagnostic & { index: number }) | null {
  let nesting = 0;
  let depthScore = 0;
  let operators = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (c === '"') {
      // Skip string literals, honouring escapes: their dots and brackets are data, not syntax.
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === ';') {
      depthScore = 0;
      operators = 0;
      continue;
    }
    if (OPEN.has(c)) {
      nesting++;
      depthScore++;
      if (nesting > POLICY_COMPLEXITY_LIMITS.maxNesting) {
        return { index: i, message: `brackets nested more than ${POLICY_COMPLEXITY_LIMITS.maxNesting} deep` };
      }
    } else if (CLOSE.has(c)) {
      nesting = Math.max(0, nesting - 1);
    } else if (c === '.' || (c === 'i' && text.startsWith('if', i) && !/[\w]/.test(text[i - 1] ?? ' ') && !/[\w]/.test(text[i + 2] ?? ' '))) {
      depthScore++;
    } else {
      const op = OPERATOR.exec(text.slice(i, i + 2));
      if (op) {
        operators++;
        i += op[0].length - 1;
        if (operators > POLICY_COMPLEXITY_LIMITS.maxOperators) {
          return { index: i, message: `more than ${POLICY_COMPLEXITY_LIMITS.maxOperators} operators in one policy` };
        }
      }
    }
    if (depthScore > POLICY_COMPLEXITY_LIMITS.maxDepthScore) {
      return { index: i, message: `expression too deeply nested (more than ${POLICY_COMPLEXITY_LIMITS.maxDepthScore} brackets, ifs and member accesses in one policy)` };
    }
  }
  return null;
}
