import { expressionTree, nameList, type TreeNode, treeNodes } from '../../matrix/index.js';

/**
 * The columns of a table its policies compare with `auth.uid()` (`owner_id = auth.uid()`,
 * `(select auth.uid()) = user_id`, `author_id::text = auth.uid()::text`), read by PostgreSQL's own
 * parser from the expressions as the catalogue deparses them; most compared first. These are the
 * columns whose value says whose a row is: init sets them to a persona's user and scopes on them.
 * Needs the parser loaded (`loadSqlParser`).
 */
export function ownerColumns(expressions: readonly (string | null)[], columns: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const expression of expressions) {
    if (expression === null) continue;
    const nodes = [...treeNodes(expressionTree(expression))];
    // `team_id in (select team_id from members where user_id = auth.uid())` compares the subquery's column, not the table's.
    const inSubqueries = new Set(nodes.filter((n) => n.type === 'SubLink').flatMap((n) => [...treeNodes(n.fields.subselect)].map((inner) => inner.fields)));
    for (const node of nodes) {
      if (inSubqueries.has(node.fields)) continue;
      if (node.type !== 'A_Expr' || node.fields.kind !== 'AEXPR_OP' || nameList(node.fields.name).join('.') !== '=') continue;
      const [left, right] = [node.fields.lexpr, node.fields.rexpr];
      const column = isUidCall(left) ? columnName(right) : isUidCall(right) ? columnName(left) : undefined;
      if (column !== undefined && columns.includes(column)) counts.set(column, (counts.get(column) ?? 0) + 1);
    }
  }
  return [...counts].sort((a, b) => b[1] - a[1] || columns.indexOf(a[0]) - columns.indexOf(b[0])).map(([column]) => column);
}

/** `auth.uid()`, however wrapped (`(select auth.uid())`, a cast), and nothing that reads a column. */
function isUidCall(tree: unknown): boolean {
  const nodes = [...treeNodes(tree)];
  return nodes.some(isUid) && !nodes.some((node) => node.type === 'ColumnRef');
}

function isUid(node: TreeNode): boolean {
  return node.type === 'FuncCall' && nameList(node.fields.funcname).join('.') === 'auth.uid';
}

/** The column a side of the comparison is, possibly cast (`owner_id::text`); undefined for anything else. */
function columnName(tree: unknown): string | undefined {
  const [node] = treeNodes(tree);
  if (node?.type === 'TypeCast') return columnName(node.fields.arg);
  if (node?.type !== 'ColumnRef') return undefined;
  const fields = nameList(node.fields.fields);
  return fields.at(-1) || undefined;
}
