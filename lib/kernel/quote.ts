/** Shows an argv as a copy-pasteable shell line (for logs only; nothing is ever run through a shell). */
export function quoteArg(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function quoteArgv(argv: string[]): string {
  return argv.map(quoteArg).join(' ');
}
