import type { Parse } from './parsers.js';

/** One ini key: where it lives, how it parses, and where the value lands in the config. */
export interface KeyDef {
  section: string;
  key: string;
  parse: Parse<unknown>;
  /** Sets the parsed value in CONFIG (the whole Config; the row knows its section). */
  assign: (config: object, value: never) => void;
}

/** One key of section S: its name, its parser, and where its value goes in the section. */
export interface KeyRow<S> {
  key: string;
  parse: Parse<unknown>;
  assign: (section: S, value: never) => void;
}

export const key = <S, T>(
  name: string,
  parse: Parse<T>,
  assign: (section: S, value: T) => void,
): KeyRow<S> => ({
  key: name,
  parse,
  assign: assign as KeyRow<S>['assign'],
});

/** The rows of section NAME as KeyDefs over the whole config. */
export function section<S>(name: string, rows: KeyRow<S>[]): KeyDef[] {
  return rows.map((row) => ({
    section: name,
    key: row.key,
    parse: row.parse,
    assign: (config, value) => row.assign((config as Record<string, S>)[name]!, value),
  }));
}
