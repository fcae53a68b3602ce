import { HarnessError } from '../../core/index.js';
import { dockerProvider } from './docker.js';
import { embeddedProvider } from './embedded.js';
import { systemProvider } from './system.js';
import type { Provider } from './types.js';
import { urlProvider } from './url.js';

/** Every provider by its `--provider` name (the README's "Providers"; adding one: docs/architecture.md). */
const PROVIDERS = {
  embedded: embeddedProvider,
  system: systemProvider,
  docker: dockerProvider,
  url: urlProvider,
} satisfies Record<string, Provider>;

export type ProviderName = keyof typeof PROVIDERS;
/** The `--provider` choices, in the order the help lists them. */
export const PROVIDER_NAMES = Object.keys(PROVIDERS) as ProviderName[];

/** The provider called `name`; ERR_PROVIDER_UNAVAILABLE naming the choices when there is none. */
export async function resolveProvider(name: string): Promise<Provider> {
  const provider = (PROVIDERS as Record<string, Provider>)[name];
  if (!provider) throw new HarnessError('ERR_PROVIDER_UNAVAILABLE', `unknown provider '${name}' (available: ${PROVIDER_NAMES.join(', ')})`);
  return provider;
}

export { DEFAULT_DOCKER_IMAGE } from './docker.js';
export type { Provider } from './types.js';
