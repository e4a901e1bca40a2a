/**
 * The dry run's output: JSON.stringify(view, null, 2) and a newline, written in pieces so that
 * the env-file's string, which may hold 10,000 variables, is never copied into one string with
 * the rest nor escaped by V8's string builder when the addon can make its bytes.
 */

/** What dryRunPieces needs of the view: its files' env-file text. */
export interface WithEnvFile {
  files: { env: string };
}

/**
 * The pieces whose concatenation is JSON.stringify(VIEW, null, 2) + '\n': the text before the
 * env-file's string, the string (LITERAL(env): JSON.stringify's, or the same bytes), the rest.
 * The env-file is found in the JSON by a marker no other string of the view equals. Pure.
 */
export function dryRunPieces<V extends WithEnvFile>(
  view: V,
  literal: (text: string) => string | Uint8Array = JSON.stringify,
): Array<string | Uint8Array> {
  for (let n = 0; ; n++) {
    const mark = `\u0000lsf-docker env-file ${n}\u0000`;
    const json = JSON.stringify({ ...view, files: { ...view.files, env: mark } }, null, 2);
    const quoted = JSON.stringify(mark);
    const at = json.indexOf(quoted);
    if (at >= 0 && json.indexOf(quoted, at + 1) < 0)
      return [json.slice(0, at), literal(view.files.env), `${json.slice(at + quoted.length)}\n`];
  }
}
