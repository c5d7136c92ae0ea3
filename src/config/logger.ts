import { pino, destination as pinoDestination, type DestinationStream, type Logger } from 'pino';

/**
 * Structured logs. Personal data (names, phone numbers, addresses) is redacted by path
 * so that a field added later under one of these names never reaches the log in clear.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: {
        paths: ['*.phone', '*.contactName', '*.contact.phone', '*.contact.name', '*.address', 'req.headers.authorization'],
        censor: '[redacted]',
      },
    },
    destination ?? pinoDestination(2),
  );
}
