import { readFile } from 'node:fs/promises';
import { databaseErrorFields, HarnessError, type Queryable } from '../../core/index.js';
import { missingShimPrivileges } from './privileges.js';

export type GrantsMode = 'legacy' | 'explicit';

const LEGACY_MARKER = '-- @@grants:legacy';
const EXPLICIT_MARKER = '-- @@grants:explicit';

/**
 * Installs the Supabase shim (the README's "What a run does"): roles, auth/storage/extensions schemas, auth.users,
 * auth.uid()/role()/email()/jwt(), storage helpers, and the default grants of the chosen mode.
 * Idempotent, and installs nothing that already exists (a supabase/postgres image keeps its own).
 */
export async function installSupabaseShim(client: Queryable, grants: GrantsMode, matrixFile?: string): Promise<void> {
  const sql = await shimSql();
  const common = sql.slice(0, sql.indexOf(LEGACY_MARKER));
  const legacy = sql.slice(sql.indexOf(LEGACY_MARKER), sql.indexOf(EXPLICIT_MARKER));
  const explicit = sql.slice(sql.indexOf(EXPLICIT_MARKER));
  // Asked before installing: once a statement of the shim fails, its transaction accepts no query.
  const needs = await missingShimPrivileges(client, sql, grants);
  try {
    await client.query(common);
    await client.query(grants === 'legacy' ? legacy : explicit);
  } catch (error) {
    const fields = databaseErrorFields(error);
    const failed = `installing the Supabase shim failed: ${fields.message}${fields.sqlstate ? ` (SQLSTATE ${fields.sqlstate})` : ''}`;
    if (!needs.lacking.length)
      throw new HarnessError('ERR_SHIM_INSTALL', `${failed}; set database.supabase: false${matrixFile ? ` in ${matrixFile}` : ''} if the database brings its own auth schema`, { cause: error });
    throw new HarnessError(
      'ERR_SHIM_INSTALL',
      `${failed}\n  the connecting role ${needs.role} is not a superuser, and lacks what the shim needs on this database:\n${needs.lacking.map((l) => `  - ${l}\n`).join('')}` +
        '  On a Supabase project every role, schema and table exists and the shim creates none of them: connect as postgres there. ' +
        'Elsewhere connect as a superuser or give the role what it lacks; or set database.supabase: false' +
        (matrixFile ? ` in ${matrixFile}` : '') +
        ' if the database brings its own auth schema.',
      { cause: error },
    );
  }
}

let cached: Promise<string> | undefined;
function shimSql(): Promise<string> {
  // The .sql file sits next to this module in the source tree and is copied next to it on build.
  cached ??= readFile(new URL('./supabase.sql', import.meta.url), 'utf8').then((text) => {
    if (!text.includes(LEGACY_MARKER) || !text.includes(EXPLICIT_MARKER)) throw new Error('supabase.sql lacks its grants markers');
    return text;
  });
  return cached;
}
