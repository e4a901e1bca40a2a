/** parseJobRequest reads the environment once: the launcher's NAME=value entries when process.env offers them, never a copy. */
import { describe, expect, test } from '@jest/globals';
import { parseJobRequest } from '../../../lib/request/parse.js';
import { jobEnv } from '../helpers/fixtures.js';

const ENTRIES = Symbol.for('lsf-docker.environment.entries');
const ctx = { cwd: '/home/alice/work', hostname: 'node1' };

describe('the environment, read once', () => {
  test("the view's entries are the request's variables, and the view itself its env (no copy)", () => {
    const pairs = Object.entries(jobEnv()) as Array<[string, string]>;
    const entries = pairs.map(([n, v]) => `${n}=${v}`);
    let asked = 0;
    const view = new Proxy(Object.fromEntries(pairs), {
      get: (target, key) => {
        if (key === ENTRIES) {
          asked++;
          return entries;
        }
        return Reflect.get(target, key);
      },
      ownKeys: () => {
        throw new Error('enumerated');
      },
    });
    const request = parseJobRequest(view, ['true'], ctx);
    expect(asked).toBe(1);
    expect(request.variables?.()).toBe(entries);
    expect(request.env).toBe(view);
  });

  test('any other object: its defined entries, in order', () => {
    const request = parseJobRequest(jobEnv({ UNSET: undefined, Z: 'z', E: 'a=b' }), ['true'], ctx);
    expect(request.variables?.()).toEqual(
      Object.entries(jobEnv({ Z: 'z', E: 'a=b' })).map(([n, v]) => `${n}=${v}`),
    );
    expect(request.env).not.toHaveProperty('UNSET');
  });

  test("the launcher's block: its entries made only when the rule asks for them, its native runs passed on", () => {
    const BLOCK = Symbol.for('lsf-docker.environment.block');
    const pairs = Object.entries(jobEnv()) as Array<[string, string]>;
    let made = 0;
    const plainRuns = () => [''];
    const block = {
      entries: () => {
        made++;
        return pairs.map(([n, v]) => `${n}=${v}`);
      },
      plainRuns,
    };
    const view = new Proxy(Object.fromEntries(pairs), {
      get: (target, key) => (key === BLOCK ? block : key === ENTRIES ? undefined : Reflect.get(target, key)),
    });
    const request = parseJobRequest(view, ['true'], ctx);
    expect(made).toBe(0);
    expect(request.plainRuns).toBe(plainRuns);
    expect(request.variables?.()).toEqual(pairs.map(([n, v]) => `${n}=${v}`));
    request.variables?.();
    expect(made).toBe(1);
  });
});
