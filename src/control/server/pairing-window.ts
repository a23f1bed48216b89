/** Longest a pairing window may stay open in one go: pairing mode is meant to be short. */
export const MAX_PAIRING_MINUTES = 24 * 60;
export const DEFAULT_PAIRING_MINUTES = 10;

export interface PairingWindowState {
  readonly enabled: boolean;
  /** When the window closes by itself, or null when closed. */
  readonly until: string | null;
}

/**
 * Pairing mode: agents may ask to pair only while an operator holds the window open. It closes by
 * itself, so a forgotten `pairing-mode` does not leave the control host accepting requests for ever.
 */
export class PairingWindow {
  #until: number | null = null;

  open(minutes: number, now: Date = new Date()): PairingWindowState {
    this.#until = now.getTime() + minutes * 60_000;
    return this.state(now);
  }

  close(): PairingWindowState {
    this.#until = null;
    return { enabled: false, until: null };
  }

  isOpen(now: Date = new Date()): boolean {
    return this.#until !== null && now.getTime() < this.#until;
  }

  state(now: Date = new Date()): PairingWindowState {
    if (this.#until === null || !this.isOpen(now)) return { enabled: false, until: null };
    return { enabled: true, until: new Date(this.#until).toISOString() };
  }
}
