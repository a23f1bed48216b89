import { pino, type Logger } from 'pino';

export type ControlLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

/** One JSON line per event (`{ event: "pairing.requested", ... }`) on stdout or `destination`, ISO UTC times. */
export function createControlLogger(level = 'info', destination?: NodeJS.WritableStream): ControlLogger {
  return pino(
    {
      level,
      base: { service: 'writ-control' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Level names, not pino's numbers: log readers should not need a lookup table.
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? process.stdout,
  );
}
