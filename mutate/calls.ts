import { expressionTree, nameList, treeNodes } from '../matrix/index.js';
import type { MutableFunction, MutablePolicy } from './catalog.js';

/**
 * The user functions a policy calls, found by PostgreSQL's own parser over its expressions (as
 * deparsed with every name qualified, so `public.is_member(org_id)` names its schema). Calls inside
 * subqueries count too: `org_id in (select private.my_orgs())`. Overloads are not told apart by
 * their arguments: every function of that name is taken (a mutant too many re-runs a few cells more).
 * Needs the parser loaded (`loadSqlParser`).
 */
export function policyCalls(policy: Pick<MutablePolicy, 'using' | 'withCheck'>, functions: readonly MutableFunction[]): MutableFunction[] {
  const called = new Set<string>();
  for (const expression of [policy.using, policy.withCheck]) {
    if (expression === null) continue;
    for (const node of treeNodes(expressionTree(expression))) {
      if (node.type !== 'FuncCall') continue;
      const name = nameList(node.fields.funcname);
      if (name.length === 2) called.add(`${name[0]}.${name[1]}`);
    }
  }
  return functions.filter((fn) => called.has(`${fn.schema}.${fn.name}`));
}
