import { native } from './native.js';

/** Above this many UTF-16 units a string's JSON literal is made by the addon, when installed. */
const NATIVE_FROM = 64 * 1024;

/**
 * TEXT as a JSON string literal: the bytes of JSON.stringify(TEXT), made by the addon's
 * jsonString for a long well-formed TEXT (V8's builder takes about 3 ms for an env-file of
 * 10,000 variables here, the addon about 1), else JSON.stringify itself.
 */
export function jsonLiteral(text: string): string | Uint8Array {
  const make = text.length > NATIVE_FROM ? native()?.jsonString : undefined;
  // A lone surrogate has no UTF-8 form (JSON.stringify escapes it): such a text stays with V8.
  const wellFormed = (text as string & { isWellFormed(): boolean }).isWellFormed();
  return make && wellFormed ? make(Buffer.from(text, 'utf8')) : JSON.stringify(text);
}
