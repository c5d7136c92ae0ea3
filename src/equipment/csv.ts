import { parse } from 'csv-parse';

/** A body that cannot be read as a CSV upload at all (as opposed to bad rows in it). */
export class CsvBodyError extends Error {
  override name = 'CsvBodyError';
  constructor(
    readonly status: 413 | 415 | 400,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface CsvRecord {
  /** The line of the file the record ends on (1 = the header), as a spreadsheet shows it. */
  line: number;
  fields: string[];
}

export interface CsvContent {
  records: CsvRecord[];
  /** The file is not well-formed CSV from this line on (unclosed quote, stray quote …). */
  syntaxError?: { line: number; error: string };
}

/**
 * Reads a CSV body chunk by chunk into csv-parse (RFC 4180: quotes, embedded commas and
 * newlines, a UTF-8 byte-order mark as Excel writes it), stopping at maxBytes or
 * maxRecords so that a huge or endless upload costs a bounded amount of memory. Bytes
 * must be UTF-8: anything else is refused rather than read as mojibake.
 */
export async function readCsv(
  source: AsyncIterable<Uint8Array | string>,
  opts: { maxBytes: number; maxRecords: number },
): Promise<CsvContent> {
  const parser = parse({ bom: true, info: true, relax_column_count: true, skip_empty_lines: true, max_record_size: 64 * 1024 });
  const records: CsvRecord[] = [];
  let syntaxError: CsvContent['syntaxError'];
  let tooMany = false;
  const drain = () => {
    let item: { record: string[]; info: { lines: number } } | null;
    while ((item = parser.read() as typeof item) !== null) {
      if (records.length >= opts.maxRecords) tooMany = true;
      else records.push({ line: item.info.lines, fields: item.record });
    }
  };
  parser.on('readable', drain);
  const done = new Promise<void>((resolve) => {
    parser.once('end', resolve);
    parser.once('error', (err: unknown) => {
      // Records parsed before the error may still wait in the buffer (a body that arrived whole).
      drain();
      // The broken record starts after the last good one (the parser's own count is where it gave up).
      syntaxError = { line: (records[records.length - 1]?.line ?? 0) + 1, error: csvErrorText(err) };
      resolve();
    });
  });

  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let bytes = 0;
  try {
    for await (const chunk of source) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      bytes += buf.length;
      if (bytes > opts.maxBytes)
        throw new CsvBodyError(
          413,
          'payload_too_large',
          `the CSV file is limited to ${opts.maxBytes} bytes; split it into several imports`,
        );
      if (syntaxError) continue; // drain: the answer is already decided
      parser.write(utf8.decode(buf, { stream: true }));
      if (tooMany) throw new CsvBodyError(413, 'payload_too_large', `at most ${opts.maxRecords - 1} machines per import; split the file`);
    }
    if (!syntaxError) parser.write(utf8.decode());
  } catch (err) {
    parser.destroy();
    if ((err as { code?: string }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA')
      throw new CsvBodyError(400, 'invalid_encoding', 'the file is not UTF-8 text; save it as "CSV UTF-8"');
    throw err;
  }
  parser.end();
  await done;
  if (tooMany) throw new CsvBodyError(413, 'payload_too_large', `at most ${opts.maxRecords - 1} machines per import; split the file`);
  return { records, syntaxError };
}

function csvErrorText(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'CSV_QUOTE_NOT_CLOSED') return 'a quoted field is never closed (a " is missing)';
  if (code === 'INVALID_OPENING_QUOTE' || code === 'CSV_INVALID_CLOSING_QUOTE')
    return 'a " inside a field must be doubled ("") or the field quoted';
  if (code === 'CSV_MAX_RECORD_SIZE') return 'a record is longer than 64 KB';
  return (err as Error).message?.slice(0, 200) ?? 'not valid CSV';
}
