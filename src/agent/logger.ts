import { pino, type Logger } from 'pino';

export type AgentLogger = Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;

/** One JSON line per event on stdout (or `destination`), with ISO UTC timestamps. */
export function createAgentLogger(level: string, destination?: NodeJS.WritableStream): AgentLogger {
  return pino(
    {
      level,
      base: { service: 'writ-agent' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Level names, not pino's numbers: log readers should not need a lookup table.
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? process.stdout,
  );
}
