import { randomBytes } from 'node:crypto';
import { HarnessError } from '../../core/index.js';
import { assertDockerEngine } from './docker-engine.js';
import { CONTAINER_SERVER_SETTINGS, settingsArgs } from './settings.js';
import type { Provider, ProviderOptions, StartedDatabase } from './types.js';

/** The image `--provider docker` runs unless `--image` says otherwise. */
export const DEFAULT_DOCKER_IMAGE = 'postgres:17';

/** How to run an image: who the superuser is and what command starts the server. */
export interface ContainerPlan {
  image: string;
  user: string;
  database: string;
  command: string[];
}

/**
 * How an image is run. The official `postgres` images take `-c` settings on the command line.
 * `supabase/postgres` images create `supabase_admin` as the superuser (POSTGRES_USER in their
 * Dockerfile), bring their own auth/storage schemas (the shim then installs only what is missing:
 * these images ship a legacy auth.uid() and no auth.jwt()), and read their configuration from
 * /etc/postgresql, which the command must keep naming.
 */
export function containerPlan(image: string): ContainerPlan {
  const repository = image.split('@')[0]!.replace(/:[^/]*$/, '');
  if (/(^|\/)supabase\/postgres$/.test(repository)) {
    return { image, user: 'supabase_admin', database: 'postgres', command: ['postgres', '-c', 'config_file=/etc/postgresql/postgresql.conf', ...settingsArgs(CONTAINER_SERVER_SETTINGS)] };
  }
  return { image, user: 'postgres', database: 'postgres', command: ['postgres', ...settingsArgs(CONTAINER_SERVER_SETTINGS)] };
}

/**
 * PostgreSQL in a container through testcontainers (`postgres:17` by default, `--image` for any
 * `postgres:<v>` or `supabase/postgres:<tag>`). Checks for a Docker engine first, in milliseconds,
 * so a machine without one gets a message naming --provider embedded instead of a wait.
 * testcontainers' reaper (Ryuk) removes the container if this process is killed.
 *
 * @example
 * const database = await dockerProvider.start({ image: 'supabase/postgres:15.8.1.085' });
 */
export const dockerProvider: Provider = {
  name: 'docker',
  async start(options: ProviderOptions = {}): Promise<StartedDatabase> {
    await assertDockerEngine();
    const plan = containerPlan(options.image ?? DEFAULT_DOCKER_IMAGE);
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql').catch((cause: unknown) => {
      throw new HarnessError('ERR_PROVIDER_UNAVAILABLE', `--provider docker needs the testcontainers packages: npm install -D @testcontainers/postgresql@11 (${(cause as Error).message})`, { cause });
    });
    const password = randomBytes(18).toString('base64url');
    options.onLog?.(`rls-matrix: starting ${plan.image} (pulled on first use)`);
    try {
      const container = await new PostgreSqlContainer(plan.image).withUsername(plan.user).withPassword(password).withDatabase(plan.database).withCommand(plan.command).start();
      let stopped = false;
      return {
        connection: { host: container.getHost(), port: container.getPort(), user: plan.user, password, database: plan.database },
        async stop() {
          if (stopped) return;
          stopped = true;
          await container.stop({ remove: true, removeVolumes: true }).catch(() => undefined);
        },
      };
    } catch (cause) {
      const message = (cause as Error).message ?? String(cause);
      throw new HarnessError(
        'ERR_PROVIDER_START',
        `the ${plan.image} container did not start: ${message.split('\n').slice(0, 5).join('\n  ')}\nCheck the image name (--image), that it can be pulled, and free disk space for Docker; or use --provider embedded.`,
        { cause },
      );
    }
  },
};
