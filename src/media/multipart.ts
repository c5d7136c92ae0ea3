import busboy from 'busboy';
import type { IncomingMessage } from 'node:http';

export interface UploadLimits {
  /** Bytes per file. */
  fileBytes: number;
  /** Files per request. */
  files: number;
}

export interface UploadedFile {
  field: string;
  name: string;
  declaredType: string;
  bytes: Buffer;
}

/** Why an upload was refused: the route answers with this status and code. */
export class UploadRefused extends Error {
  override name = 'UploadRefused';
  constructor(
    readonly status: 400 | 413 | 415,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads a multipart/form-data body with busboy, streaming, under limits: each file is
 * held in memory only up to `fileBytes` (a longer one stops the read with 413), at most
 * `files` files, a few small fields. Resolves once the whole body is read; nothing is
 * written to disk. The caller has authenticated the request before calling this.
 */
export function readMultipart(req: IncomingMessage, limits: UploadLimits): Promise<UploadedFile[]> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        limits: {
          fileSize: limits.fileBytes,
          files: limits.files,
          fields: 10,
          fieldSize: 64 * 1024,
          parts: limits.files + 10,
          headerPairs: 20,
        },
      });
    } catch {
      reject(new UploadRefused(415, 'unsupported_media_type', 'send multipart/form-data with a boundary'));
      return;
    }
    const files: UploadedFile[] = [];
    let failed: UploadRefused | undefined;
    const fail = (err: UploadRefused) => {
      if (failed) return;
      failed = err;
      req.unpipe(parser);
      req.resume(); // drain what is still coming; nothing more is kept
      reject(err);
    };
    parser.on('file', (field, stream, info) => {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (!failed) chunks.push(c);
      });
      stream.on('limit', () =>
        fail(
          new UploadRefused(
            413,
            'payload_too_large',
            `${(info.filename ?? field).slice(0, 80)} is over ${Math.round(limits.fileBytes / 1_048_576)} MB`,
          ),
        ),
      );
      stream.on('close', () => {
        if (failed || size === 0) return;
        files.push({
          field,
          name: (info.filename || field).slice(0, 200),
          declaredType: info.mimeType,
          bytes: Buffer.concat(chunks, size),
        });
      });
    });
    parser.on('filesLimit', () => fail(new UploadRefused(413, 'too_many_files', `at most ${limits.files} files at a time`)));
    parser.on('partsLimit', () => fail(new UploadRefused(413, 'too_many_parts', 'too many parts in the form')));
    parser.on('fieldsLimit', () => fail(new UploadRefused(413, 'too_many_parts', 'too many fields in the form')));
    parser.on('error', () => fail(new UploadRefused(400, 'invalid_multipart', 'the multipart body is malformed')));
    parser.on('close', () => {
      if (!failed) resolve(files);
    });
    req.on('aborted', () => fail(new UploadRefused(400, 'aborted', 'the upload was interrupted')));
    req.pipe(parser);
  });
}
