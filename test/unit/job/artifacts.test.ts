import type { Identity } from '../../../lib/host/identity.js';
import { renderEnvFile, renderGroup, renderPasswd, renderScript } from '../../../lib/job/artifacts.js';
import { ALICE } from '../helpers/fixtures.js';

const who = (change: Partial<Identity>): Identity => ({ ...ALICE, ...change });

describe('renderPasswd: root, nobody and the user, nothing else', () => {
  test('alice', () => {
    expect(renderPasswd(ALICE)).toBe(
      [
        'root:x:0:0:root:/root:/bin/sh',
        'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
        'alice:x:4201:4201:alice:/home/alice:/bin/bash',
        '',
      ].join('\n'),
    );
  });

  test.each<[Partial<Identity>, string]>([
    [{ user: 'ev:il' }, 'user4201:x:4201:4201:user4201:/home/alice:/bin/bash'],
    [{ user: 'a\nroot' }, 'user4201:x:4201:4201:user4201:/home/alice:/bin/bash'],
    [{ user: '' }, 'user4201:x:4201:4201:user4201:/home/alice:/bin/bash'],
    [{ home: '/home/a:b' }, 'alice:x:4201:4201:alice:/:/bin/bash'],
    [{ home: '/home/a\nroot::0:0::/:/bin/sh' }, 'alice:x:4201:4201:alice:/:/bin/bash'],
    [{ shell: '/bin/sh\n' }, 'alice:x:4201:4201:alice:/home/alice:/bin/sh'],
    [{ shell: '' }, 'alice:x:4201:4201:alice:/home/alice:/bin/sh'],
  ])('unsafe fields are replaced: %j', (change, line) => {
    const text = renderPasswd(who(change));
    const lines = text.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toBe(line);
    for (const l of lines.slice(0, 3)) expect(l.split(':')).toHaveLength(7);
  });
});

describe('renderGroup: root, nogroup, the primary and every supplementary group', () => {
  test('alice', () => {
    expect(renderGroup(ALICE)).toBe(
      [
        'root:x:0:',
        'nogroup:x:65534:',
        'alice:x:4201:alice',
        'users:x:100:alice',
        'lab:x:4300:alice',
        '',
      ].join('\n'),
    );
  });

  test('unknown, unsafe, duplicate and reserved groups', () => {
    const text = renderGroup(
      who({
        gid: 5000,
        groups: [0, 65534, 5000, 6000, 7000, 8000],
        groupNames: new Map([
          [5000, 'root'],
          [7000, 'bad:name'],
          [8000, 'nogroup'],
        ]),
      }),
    );
    expect(text).toBe(
      [
        'root:x:0:',
        'nogroup:x:65534:',
        'g5000:x:5000:alice',
        'g6000:x:6000:alice',
        'g7000:x:7000:alice',
        'g8000:x:8000:alice',
        '',
      ].join('\n'),
    );
  });
});

describe('renderScript: the command words joined by one space, as bsub does', () => {
  test.each<[string[], string]>([
    [['echo', 'hi'], '#!/bin/sh\necho hi\n'],
    [['echo $HOME; ls | wc -l'], '#!/bin/sh\necho $HOME; ls | wc -l\n'],
    [['python', '-c', "'print(1)'"], "#!/bin/sh\npython -c 'print(1)'\n"],
    [['a\nb'], '#!/bin/sh\na\nb\n'],
  ])('%j', (command, script) => {
    expect(renderScript({ words: command })).toBe(script);
  });
});

describe('renderEnvFile', () => {
  test('one NAME=value per line, values literal', () => {
    expect(renderEnvFile(['A=1', 'B= two words ', 'C=', `D="'$x'"`, 'E=x=y'])).toBe(
      `A=1\nB= two words \nC=\nD="'$x'"\nE=x=y\n`,
    );
  });
  test('nothing to pass: an empty file', () => {
    expect(renderEnvFile([])).toBe('');
  });
});
