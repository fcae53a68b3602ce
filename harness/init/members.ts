import { expressionTree, nameList, type TreeNode, treeNodes } from '../../matrix/index.js';
import type { InitTable } from './catalog.js';

/** `expressionTree` parses `select (<expression>)`: its locations count these 8 characters first. */
const PREFIX = 'select ('.length;

/**
 * A table whose policies decide by a membership helper called on one of its columns
 * (`basejump.has_role_on_account(account_id)`, `rbac.is_member(group_id)`): its rows belong to a
 * group (an account, a team), and a persona is a member of it or not.
 */
export interface Membership {
  /** The helper call as the policy has it, with the table's column: the `member` scope. */
  call: string;
  helper: string;
  /** The table's column the helper is called on. */
  column: string;
  /** The group: the table the column points at (or the table itself when the column is its key), and its key. */
  group: { table: string; key: string };
  /** The call with the column replaced by `$KEY`, for choosing a group in an insert's row. */
  template: string;
}

/** The table that says who belongs to a group: a row per member, with the group's key and the user's id. */
export interface MembershipTable {
  table: string;
  groupColumn: string;
  userColumn: string;
}

/**
 * The membership helper a table's policies call on one of its columns, read by PostgreSQL's parser:
 * a call to one of the project's boolean functions (`helpers`) with a column of the table as an
 * argument; of several, the one with fewest arguments (`is_member(id)` says more about belonging
 * than `has_permission(id, 'group.update')`). A column that points at no group takes the group `known`
 * says the same helper is called on. Needs the parser loaded (`loadSqlParser`).
 */
export function membershipOf(table: InitTable, helpers: ReadonlySet<string>, known: ReadonlyMap<string, Membership['group']> = new Map()): Membership | undefined {
  let best: (Membership & { arity: number }) | undefined;
  for (const expression of table.expressions) {
    if (expression === null) continue;
    for (const node of treeNodes(expressionTree(expression))) {
      if (node.type !== 'FuncCall') continue;
      const helper = nameList(node.fields.funcname).join('.');
      if (!helpers.has(helper)) continue;
      const args = (node.fields.args as unknown[] | undefined) ?? [];
      const columnArg = args.map((arg) => columnOf(arg)).find((c) => c !== undefined && table.columns.includes(c.name));
      if (!columnArg) continue;
      // A column with no foreign key (rbac's sensitive_data.owned_by_group) takes the group the same
      // helper is called on elsewhere.
      const group = groupOf(table, columnArg.name) ?? known.get(helper);
      if (!group) continue;
      const start = (node.fields.location as number) - PREFIX;
      const end = callEnd(expression, start);
      if (end === undefined) continue;
      const call = expression.slice(start, end);
      const at = columnArg.location - PREFIX;
      const template = `${expression.slice(start, at)}$KEY${expression.slice(at + columnArg.text.length, end)}`;
      if (!best || args.length < best.arity) best = { call, helper, column: columnArg.name, group, template, arity: args.length };
    }
  }
  if (!best) return undefined;
  const { arity: _arity, ...membership } = best;
  return membership;
}

/**
 * Of the tables with a foreign key to the group and one to `auth.users`, the one that says who
 * belongs: preferably one other such tables point at (rbac's member_permissions points at members),
 * then the one with fewest columns.
 */
export function membershipTable(group: Membership['group'], tables: readonly InitTable[]): MembershipTable | undefined {
  const candidates = tables.flatMap((table) => {
    if (table.name === group.table) return [];
    const groupFk = table.foreignKeys.find((fk) => fk.table === group.table && fk.refColumn === group.key);
    const userFk = table.foreignKeys.find((fk) => fk.table === 'auth.users' && fk.refColumn === 'id');
    return groupFk && userFk ? [{ table, groupColumn: groupFk.column, userColumn: userFk.column }] : [];
  });
  const referenced = (name: string) => tables.some((t) => t.name !== name && t.references.includes(name));
  candidates.sort((a, b) => Number(referenced(b.table.name)) - Number(referenced(a.table.name)) || a.table.columns.length - b.table.columns.length || a.table.name.localeCompare(b.table.name));
  const [chosen] = candidates;
  return chosen ? { table: chosen.table.name, groupColumn: chosen.groupColumn, userColumn: chosen.userColumn } : undefined;
}

function groupOf(table: InitTable, column: string): Membership['group'] | undefined {
  if (table.primaryKey.length === 1 && table.primaryKey[0] === column) return { table: table.name, key: column };
  const fk = table.foreignKeys.find((f) => f.column === column);
  return fk && fk.table !== 'auth.users' ? { table: fk.table, key: fk.refColumn } : undefined;
}

/** A bare column argument (possibly cast): its name, where it starts, and its text as written. */
function columnOf(arg: unknown): { name: string; location: number; text: string } | undefined {
  const [node] = treeNodes(arg) as Generator<TreeNode>;
  if (node?.type === 'TypeCast') return columnOf(node.fields.arg);
  if (node?.type !== 'ColumnRef') return undefined;
  const fields = nameList(node.fields.fields);
  if (fields.length !== 1) return undefined;
  const name = fields[0]!;
  // pg_get_expr quotes a name only when it must: `"Team"`.
  const text = /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
  return { name, location: node.fields.location as number, text };
}

/** The offset just past the `)` closing the call that starts at `start`, skipping quoted text. */
function callEnd(text: string, start: number): number | undefined {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const char = text[i];
    if (char === "'" || char === '"') {
      const close = text.indexOf(char, i + 1);
      if (close < 0) return undefined;
      i = close;
    } else if (char === '(') depth++;
    else if (char === ')') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return undefined;
}
