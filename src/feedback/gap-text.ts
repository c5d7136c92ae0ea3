/**
 * Operators' words travel from strangers into the manual and onto staff terminals, so
 * they are cleaned at each boundary:
 * - kept (knowledge_gaps): capped, without NUL or lone surrogates (which no store keeps alike);
 * - written into the manual (`gaps accept`): also without control, bidirectional-override,
 *   zero-width and separator characters (a standard YAML parser refuses some, and bidi
 *   overrides make a phrasing read differently from what it is), whitespace collapsed;
 * - printed (`gaps list`): anything that could steer a terminal shown as a \u{…} escape.
 */
export const MAX_GAP_TEXT = 2000;
/** A symptom phrasing is a sentence an operator says, not a transcript; longer ones are refused at accept. */
export const MAX_PHRASING = 300;

/** C0 and C1 controls, DEL, bidi embeddings/overrides/isolates and marks, zero-width characters, BOM, line/paragraph separators. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/gu;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function gapTextForStorage(text: string): string {
  const cleaned = text.replace(/\u0000/g, '').replace(LONE_SURROGATE, '\ufffd');
  // Cut at a code point, never inside a surrogate pair.
  return [...cleaned].slice(0, MAX_GAP_TEXT).join('');
}

export function gapTextForManual(text: string): string {
  return gapTextForStorage(text)
    .replace(/[\t\n\v\f\r\u2028\u2029]/g, ' ')
    .replace(UNSAFE, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export function gapTextForTerminal(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}
