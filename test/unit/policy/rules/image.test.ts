import { imageRule } from '../../../../lib/policy/rules/image.js';
import { requestFor, ruleContext } from '../../helpers/fixtures.js';

describe('imageRule: the image after aliases, from an allowed registry', () => {
  test.each<[string, string, Parameters<typeof ruleContext>[0], ReturnType<typeof imageRule>]>([
    [
      'the job image, pulled when missing',
      'lsf-docker-test/busybox:latest',
      undefined,
      { ok: true, part: { ref: 'lsf-docker-test/busybox:latest', pull: 'missing' }, decisions: [] },
    ],
    [
      'an alias',
      'bb',
      (c) => {
        c.images.aliases = { bb: '127.0.0.1:5000/lsfd/busybox:latest' };
      },
      {
        ok: true,
        part: { ref: '127.0.0.1:5000/lsfd/busybox:latest', pull: 'missing' },
        decisions: ['image alias bb -> 127.0.0.1:5000/lsfd/busybox:latest'],
      },
    ],
    [
      'the admin pull policy',
      'busybox',
      (c) => {
        c.docker.pull = 'always';
      },
      { ok: true, part: { ref: 'busybox', pull: 'always' }, decisions: [] },
    ],
    [
      'a registry not allowed',
      'evil.example.com/x:1',
      (c) => {
        c.images.allowRegistries = ['registry.local'];
      },
      {
        ok: false,
        problems: [
          {
            variable: 'LSB_CONTAINER_IMAGE',
            message:
              'registry evil.example.com of "evil.example.com/x:1" is not allowed (allowed: registry.local)',
          },
        ],
      },
    ],
    [
      'an alias to a bad name',
      'bb',
      (c) => {
        c.images.aliases = { bb: 'UPPER/Case' };
      },
      {
        ok: false,
        problems: [{ variable: 'LSB_CONTAINER_IMAGE', message: expect.stringMatching(/^"UPPER\/Case" /) }],
      },
    ],
  ])('%s', (_name, image, config, expected) => {
    expect(imageRule(requestFor({ LSB_CONTAINER_IMAGE: image }), ruleContext(config))).toEqual(expected);
  });
});
