import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { OpsError } from '../errors.js';
import { follow } from '../logs.js';
import { failureLine, requireDocker } from './durable.js';

/**
 * What a docker command's failure tells the user: the cause, never the client's closing pointer
 * to its help; an engine or compose plugin that is missing, named before anything runs; and a
 * followed command's exit code, never a silent success.
 */
describe('docker failures', () => {
  it('quote the cause, not the pointer to docker --help that follows it', () => {
    expect(failureLine("docker: 'compose' is not a docker command.\nSee 'docker --help'\n")).toBe(
      "docker: 'compose' is not a docker command.",
    );
    expect(
      failureLine(
        "unknown flag: --wait\n\nUsage:  docker [OPTIONS] COMMAND\nRun 'docker --help' for more information\n",
      ),
    ).toBe('Usage:  docker [OPTIONS] COMMAND');
    expect(failureLine('Error response from daemon: No such container: x\n')).toBe(
      'Error response from daemon: No such container: x',
    );
    expect(failureLine('\n')).toBeUndefined();
  });

  it('are checked before the first command: the engine, then docker compose, each with its fix', async () => {
    const noEngine = await requireDocker(async () => {
      throw new OpsError('docker info failed: Cannot connect to the Docker daemon');
    }).catch((error: Error) => error.message);
    expect(noEngine).toBe(
      'this environment runs on docker, but no Docker engine answers (docker info failed: Cannot connect to the Docker daemon); start it (sudo systemctl start docker, or dockerd)',
    );

    const calls: string[] = [];
    const noCompose = await requireDocker(async (args) => {
      calls.push(args.join(' '));
      if (args[0] === 'compose')
        throw new OpsError(
          "docker compose version failed: docker: 'compose' is not a docker command.",
        );
      return '27.5.1\n';
    }).catch((error: Error) => error.message);
    expect(calls).toEqual(['info --format {{.ServerVersion}}', 'compose version']);
    expect(noCompose).toBe(
      "this environment runs on docker, but `docker compose` does not work (docker compose version failed: docker: 'compose' is not a docker command.); install Docker's compose v2 plugin",
    );

    // Once both answer, the check is not run again in this process.
    let checks = 0;
    const fine = async () => {
      checks++;
      return 'ok\n';
    };
    await requireDocker(fine);
    await requireDocker(fine);
    expect(checks).toBe(2);
  });

  it('of a followed command (logs) fail the command with its exit code', async () => {
    const out = new PassThrough();
    const failed = await follow('sh', ['-c', 'echo partial; exit 3'], {
      out,
      format: 'json',
    }).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(OpsError);
    expect((failed as Error).message).toBe('sh -c echo partial; exit 3 failed (exit 3)');
    await expect(
      follow('sh', ['-c', 'echo fine'], { out, format: 'json' }),
    ).resolves.toBeUndefined();
  });
});
