import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, test } from '@jest/globals';
import { authsOnly, dockerConfigFor } from '../../../lib/runtime/docker/config-dir.js';

describe('authsOnly: what root may take from a user docker config', () => {
  test('keeps registry credentials and drops helpers, plugins and proxies', () => {
    const text = JSON.stringify({
      auths: { '127.0.0.1:5000': { auth: 'dXNlcjpwYXNz' }, 'reg.example': { identitytoken: 'tok-1' } },
      credsStore: 'evil',
      credHelpers: { 'reg.example': 'evil' },
      cliPluginsExtraDirs: ['/home/u/plugins'],
      proxies: { default: { httpProxy: 'http://x' } },
    });
    expect(JSON.parse(authsOnly(text))).toEqual({
      auths: { '127.0.0.1:5000': { auth: 'dXNlcjpwYXNz' }, 'reg.example': { identitytoken: 'tok-1' } },
    });
  });

  test.each([
    ['not JSON', 'nope'],
    ['no auths', '{}'],
    ['auths of the wrong type', '{"auths": 3}'],
    ['a malformed auth value', '{"auths": {"r": {"auth": "a b\\n"}}}'],
    ['a registry name with a space', '{"auths": {"r x": {"auth": "YQ=="}}}'],
  ])('%s gives an empty config', (_name, text) => {
    expect(JSON.parse(authsOnly(text))).toEqual({ auths: {} });
  });

  test('as the user: the own ~/.docker; as root for a user: a private 0700 copy', () => {
    const dir = mkdtempSync(`${tmpdir()}/lsfd-dc-`);
    try {
      expect(dockerConfigFor('/home/u', false, dir, () => '')).toBe('/home/u/.docker');
      const made = dockerConfigFor(
        '/home/u',
        true,
        dir,
        () => '{"auths":{"r":{"auth":"YQ=="}},"credsStore":"x"}',
      );
      expect(made).toBe(`${dir}/docker`);
      expect(statSync(made).mode & 0o777).toBe(0o700);
      expect(JSON.parse(readFileSync(`${made}/config.json`, 'utf8'))).toEqual({
        auths: { r: { auth: 'YQ==' } },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
