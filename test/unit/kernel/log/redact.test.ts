import { redactSecrets } from '../../../../lib/kernel/log/redact.js';

describe('redactSecrets: no secret reaches a log line', () => {
  test.each<[string, string]>([
    ['exec: docker login --password hunter2 -u alice reg', 'exec: docker login --password *** -u alice reg'],
    ['exec: docker login --password=hunter2 reg', 'exec: docker login --password=*** reg'],
    ['exec: docker login --PASSWORD=hunter2', 'exec: docker login --PASSWORD=***'],
    ['pulling https://alice:s3cret@reg.example.org/v2/', 'pulling https://alice:***@reg.example.org/v2/'],
    ['DOCKER_HOST=tcp://u:p@10.0.0.1:2376', 'DOCKER_HOST=tcp://u:***@10.0.0.1:2376'],
    ['env: DB_PASSWORD=hunter2 next', 'env: DB_PASSWORD=*** next'],
    ['env: AWS_SECRET_ACCESS_KEY=abc/def', 'env: AWS_SECRET_ACCESS_KEY=***'],
    ['env: GITHUB_TOKEN=ghp_x', 'env: GITHUB_TOKEN=***'],
    ['env: my_api_key=1', 'env: my_api_key=***'],
    ['env: OPENAI_APIKEY=1 CREDENTIALS_FILE=/x', 'env: OPENAI_APIKEY=*** CREDENTIALS_FILE=***'],
    ["env: 'PASSWD=x'", "env: 'PASSWD=***'"],
  ])('%j', (line, redacted) => {
    expect(redactSecrets(line)).toBe(redacted);
  });

  test.each([
    'exec: docker run --rm --name=lsf_1_0_2 -- busybox:latest /lsf-docker/job.sh',
    'policy: volume /data/alice/in:/in:ro allowed',
    'pulling 127.0.0.1:5000/lsfd/busybox:latest',
    'https://reg.example.org/v2/',
    'PATH=/usr/bin:/bin',
    'password policy is strict',
  ])('leaves ordinary lines alone: %j', (line) => {
    expect(redactSecrets(line)).toBe(line);
  });

  test('every occurrence on a line', () => {
    expect(redactSecrets('A_TOKEN=1 B_TOKEN=2 --password x --password=y')).toBe(
      'A_TOKEN=*** B_TOKEN=*** --password *** --password=***',
    );
  });
});
