/** node-postgres' DatabaseError fields, if `error` is one. */
export function databaseErrorFields(error: unknown): DatabaseErrorInfo {
  const e = error as Record<string, unknown> | null | undefined;
  const text = (key: string) => (typeof e?.[key] === 'string' && e[key] ? { [key]: e[key] as string } : {});
  return {
    message: typeof e?.message === 'string' ? e.message : String(error),
    ...(typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? { sqlstate: e.code } : {}),
    ...text('detail'),
    ...text('hint'),
    ...text('where'),
    ...text('schema'),
    ...text('table'),
    ...text('constraint'),
    ...(e?.position !== undefined ? { position: Number(e.position) } : {}),
  };
}

/** What a database error says, field by field (node-postgres' DatabaseError, unreinterpreted). */
export interface DatabaseErrorInfo {
  sqlstate?: string;
  message: string;
  detail?: string;
  hint?: string;
  /** The context: functions and statements the error was raised in, innermost first, one per line. */
  where?: string;
  schema?: string;
  table?: string;
  constraint?: string;
  position?: number;
}
