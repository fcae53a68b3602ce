import { HarnessError } from '../errors.js';
import { embeddedProvider } from './embedded.js';
import type { Provider } from './types.js';

const PROVIDERS = {
  embedded: embeddedProvider,
} satisfies Record<string, Provider>;

export type ProviderName = keyof typeof PROVIDERS;
export const PROVIDER_NAMES = Object.keys(PROVIDERS) as ProviderName[];

export async function resolveProvider(name: string): Promise<Provider> {
  const provider = (PROVIDERS as Record<string, Provider>)[name];
  if (!provider) throw new HarnessError('ERR_PROVIDER_UNAVAILABLE', `unknown provider '${name}' (available: ${PROVIDER_NAMES.join(', ')})`);
  return provider;
}

export type { Provider, StartedDatabase, ConnectionInfo } from './types.js';
