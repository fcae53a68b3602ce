/**
 * Where the database comes from and how we talk to it: providers, the Supabase shim, workspaces (a
 * database of its own, or one rolled-back transaction on someone else's), the guards of that
 * transaction, child processes beside the server, and what a full disk looks like.
 */
export { cloneDatabase, type DatabaseClone } from './clone.js';
export { connect } from './connect.js';
export { diskFullError, throwIfDiskFull } from './disk-full.js';
export { schemaFingerprint } from './fingerprint.js';
export { prepareWorkspace, type StartedRun, type StartOptions, startProvider, usingDatabase } from './prepare.js';
export { keepLastLines, stopChild } from './providers/child-process.js';
export { withPortRetry } from './providers/free-port.js';
export { DEFAULT_DOCKER_IMAGE, PROVIDER_NAMES, type ProviderName } from './providers/index.js';
export { type EmbeddedMajor, parsePgVersions } from './providers/embedded-majors.js';
export { markSidecar } from './providers/sidecar-marker.js';
export type { ConnectionInfo, Provider, ProviderOptions, StartedDatabase } from './providers/types.js';
export { redactingWriter, urlPassword } from './redact.js';
export { escapeReason } from './url-guards.js';
export type { PlannerConnection, WorkerConnection, Workspace } from './workspace.js';
