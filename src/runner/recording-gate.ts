import { formatEntityRef, type AccessRequest, type Decision, type Gate } from '../sandbox/index.js';

/** One line of the run's `decisions`: identical decisions are folded with a count to keep output bounded. */
export interface DecisionRecord {
  readonly action: string;
  readonly resource: string;
  readonly decision: Decision;
  readonly count: number;
}

/** Wraps the effective gate and records every decision it makes, in first-seen order. */
export class RecordingGate implements Gate {
  readonly #inner: Gate;
  readonly #records = new Map<string, { action: string; resource: string; decision: Decision; count: number }>();

  constructor(inner: Gate) {
    this.#inner = inner;
  }

  authorize(request: AccessRequest): Decision {
    let decision: Decision;
    try {
      decision = this.#inner.authorize(request);
    } catch {
      // An authorizer that throws must never be read as permission.
      decision = 'deny';
    }
    const action = formatEntityRef(request.action);
    const resource = formatEntityRef(request.resource);
    const key = `${action}\u0000${resource}\u0000${decision}`;
    const seen = this.#records.get(key);
    if (seen) seen.count += 1;
    else this.#records.set(key, { action, resource, decision, count: 1 });
    return decision;
  }

  get decisions(): DecisionRecord[] {
    return [...this.#records.values()].map((r) => ({ ...r }));
  }
}
