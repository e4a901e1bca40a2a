import type { Config } from '../../../../lib/config/schema.js';
import { commandRule } from '../../../../lib/policy/rules/command.js';
import { PLACE_HOLDER } from '../../../../lib/request/job-request.js';
import { CONTAINER_SCRIPT } from '../../../../lib/runtime/container-spec.js';
import { JOB_FILE, requestFor, ruleContext } from '../../helpers/fixtures.js';

const allow = (c: Config) => {
  c.security.allowRawArgs = true;
  c.security.allowEntrypoint = true;
};

describe('commandRule: what runs', () => {
  test.each<[string, Record<string, string>, string[], ReturnType<typeof commandRule>]>([
    [
      'a generated script under /bin/sh',
      {},
      ['echo', 'hi'],
      {
        ok: true,
        part: {
          entrypoint: '/bin/sh',
          command: [CONTAINER_SCRIPT],
          script: { words: ['echo', 'hi'] },
          mounts: [],
        },
        decisions: [],
      },
    ],
    [
      'the job file LSF wrote, read as the user and run as the script (never mounted by path)',
      { LSB_JOBFILENAME: JOB_FILE },
      [JOB_FILE],
      {
        ok: true,
        part: {
          entrypoint: '/bin/sh',
          command: [CONTAINER_SCRIPT],
          script: { words: ['#!/bin/sh\n# LSBATCH: User input\necho from the job file'] },
          mounts: [],
        },
        decisions: [`job file ${JOB_FILE} read as you and run as the job script`],
      },
    ],
    [
      "a path that is not the user's job file is only words of a script",
      {},
      ['/data/readme'],
      {
        ok: true,
        part: {
          entrypoint: '/bin/sh',
          command: [CONTAINER_SCRIPT],
          script: { words: ['/data/readme'] },
          mounts: [],
        },
        decisions: [],
      },
    ],
    [
      "raw args: the image's own command",
      { LSF_DOCKER_RUN_RAW_ARGS: '1' },
      [PLACE_HOLDER],
      {
        ok: true,
        part: { entrypoint: undefined, command: [], mounts: [] },
        decisions: ['raw args: the image runs its own CMD/ENTRYPOINT'],
      },
    ],
    [
      'an entrypoint',
      { LSF_DOCKER_ENTRYPOINT: '/bin/bash' },
      ['echo', 'hi'],
      {
        ok: true,
        part: {
          entrypoint: '/bin/bash',
          command: [CONTAINER_SCRIPT],
          script: { words: ['echo', 'hi'] },
          mounts: [],
        },
        decisions: [],
      },
    ],
  ])('%s', (_name, env, command, expected) => {
    expect(commandRule(requestFor(env, command), ruleContext(allow))).toEqual(expected);
  });

  test.each<[string, Record<string, string>, string[], string[]]>([
    ['raw args', { LSF_DOCKER_RUN_RAW_ARGS: '1' }, [PLACE_HOLDER], ['LSF_DOCKER_RUN_RAW_ARGS']],
    ['an entrypoint', { LSF_DOCKER_ENTRYPOINT: '/bin/bash' }, ['true'], ['LSF_DOCKER_ENTRYPOINT']],
    [
      'both',
      { LSF_DOCKER_RUN_RAW_ARGS: '1', LSF_DOCKER_ENTRYPOINT: '/app' },
      [PLACE_HOLDER],
      ['LSF_DOCKER_RUN_RAW_ARGS', 'LSF_DOCKER_ENTRYPOINT'],
    ],
  ])('%s refused unless the admin allows it', (_name, env, command, variables) => {
    const ctx = ruleContext((c) => {
      c.security.allowRawArgs = false;
      c.security.allowEntrypoint = false;
    });
    const ruling = commandRule(requestFor(env, command), ctx);
    expect(ruling.ok ? [] : ruling.problems.map((p) => p.variable)).toEqual(variables);
  });
});
