import { readRelease } from '../deploy/release.js';
import type { Runtime } from '../runtime.js';
import { dockerSetup, dockerStatus, dockerTeardown } from './durable.js';
import { dockerLogs } from './logs.js';
import { dockerStackDown, dockerStackStatus, dockerStackUp } from './stack.js';

/** Every service a container: the durable compose project and one project per colour. */
export const dockerRuntime: Runtime = {
  name: 'docker',
  durable: { setup: dockerSetup, teardown: dockerTeardown, status: dockerStatus },
  stack: {
    up: dockerStackUp,
    down: dockerStackDown,
    status: dockerStackStatus,
    /** A colour is up with the release of its running containers' build. */
    async ownRelease(env, colour, root) {
      const status = await dockerStackStatus(env, colour, root);
      return status.buildId && status.services.some((s) => s.state === 'running')
        ? readRelease(root, status.buildId)
        : null;
    },
  },
  logs: dockerLogs,
};
