import type { AccessRequest, Decision, Gate } from '../sandbox/gate.js';

/**
 * Allows only what every gate allows: the bundle's policy AND the host owner's ceiling. Gates are
 * asked in order and the first deny ends the check, so put the cheapest or most restrictive first.
 */
export class AllOfGates implements Gate {
  private readonly gates: readonly Gate[];

  constructor(gates: readonly Gate[]) {
    // "Every gate of none allows" is vacuously true; an empty list is a wiring mistake, refuse it.
    if (gates.length === 0) throw new RangeError('AllOfGates needs at least one gate');
    this.gates = [...gates];
  }

  authorize(request: AccessRequest): Decision {
    for (const gate of this.gates) {
      let decision: Decision;
      try {
        decision = gate.authorize(request);
      } catch {
        // A gate that throws has not allowed anything.
        return 'deny';
      }
      // Compare against 'allow' exactly: any other answer, even a malformed one, denies.
      if (decision !== 'allow') return 'deny';
    }
    return 'allow';
  }
}
