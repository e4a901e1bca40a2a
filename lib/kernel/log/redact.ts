/**
 * Removes secrets from a line before it is logged: values of --password/-p style options,
 * credentials in URLs, and NAME=value pairs whose name suggests a secret.
 */
const PATTERNS: Array<[RegExp, string]> = [
  [/(--password[= ])\S+/gi, '$1***'],
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:)[^@\s/]+@/gi, '$1***@'],
  [/\b([A-Z0-9_]*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|APIKEY|CREDENTIAL)[A-Z0-9_]*=)[^\s'"]+/gi, '$1***'],
];

export function redactSecrets(line: string): string {
  return PATTERNS.reduce((text, [pattern, replacement]) => text.replace(pattern, replacement), line);
}
