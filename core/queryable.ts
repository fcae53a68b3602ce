/**
 * What rls-matrix needs of a database connection: node-postgres' `query`. A `pg.Client`, a
 * `pg.PoolClient` or anything with the same `query` is one. Typed here rather than with `pg`'s own
 * types so the package's declarations need no `@types/pg` (nor `skipLibCheck`) in a consumer's project.
 */
export interface Queryable {
  // biome-ignore lint/suspicious/noExplicitAny: rows are typed by the caller's generic, as node-postgres does (its default is any too).
  query<Row = any>(text: string, values?: readonly unknown[]): Promise<QueryRows<Row>>;
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  query<Row = any>(config: QueryText): Promise<QueryRows<Row>>;
}

/** A query as an object: node-postgres' `QueryConfig`, the options rls-matrix uses. */
interface QueryText {
  text: string;
  values?: readonly unknown[];
  /** Rows as arrays of values instead of objects keyed by column. */
  rowMode?: 'array';
  /** `extended` sends one statement with the extended protocol (a parse error then names its position). */
  queryMode?: 'extended';
}

/** One statement's result, as node-postgres returns it (a script of several statements gives an array of them). */
// biome-ignore lint/suspicious/noExplicitAny: as above.
export interface QueryRows<Row = any> {
  rows: Row[];
  /** Rows the statement returned or touched; null for statements that touch none (`set`, DDL). */
  rowCount: number | null;
  /** The columns, when the driver reports them. */
  fields?: readonly { name: string; dataTypeID: number }[];
}
