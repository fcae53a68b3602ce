import type { Cell, Mutant, MutantReach } from '../core/index.js';

const DOING: Record<MutantReach['commands'][number], string> = { select: 'reading', insert: 'inserting', update: 'updating', delete: 'deleting' };

export interface SuggestContext {
  /** Persona name → PostgreSQL role, in the matrix's order. */
  personas: readonly (readonly [string, string])[];
  /** Roles the policies apply to (neither superuser nor BYPASSRLS): a persona acting as another role is never subject to them. */
  apiRoles: readonly string[];
  cells: readonly Cell[];
  /** Whether `role` holds the table privilege for `command` on `table` (a persona without it is refused whatever the policies say). */
  holds: (role: string, table: string, command: MutantReach['commands'][number]) => boolean;
}

/**
 * The cell that would kill a surviving mutant, in words: the first persona the change reaches, the
 * first command it changes, the rows, and what the matrix already checks there. Widening mutants
 * need a cell that expects deny on rows now let through; narrowing ones a cell that expects allow
 * on rows now kept out.
 *
 * @example
 * suggestKill({ kind: 'policy-using-true', object: 'public.tasks.own', reach: { table: 'public.tasks', roles: ['authenticated'], commands: ['update'], direction: 'widens', rows: `rows policy "own" does not admit` } }, context)
 * // 'no cell checks bob updating rows policy "own" does not admit of public.tasks (bob's update cells there: scope own): add a scope holding such rows with update: deny'
 */
export function suggestKill(mutant: Pick<Mutant, 'kind' | 'object' | 'reach'>, context: SuggestContext): string {
  const { reach } = mutant;
  if (mutant.kind === 'trigger-drop') return triggerSuggestion(mutant.object, reach, context);
  const reached = context.personas.filter(([, role]) => (reach.roles.includes('public') ? context.apiRoles.includes(role) : reach.roles.includes(role)));
  // Less access can only show for a persona that had some: those with an allow cell on the table come first.
  const allowed = (persona: string) => context.cells.some((c) => c.table === reach.table && c.persona === persona && expects(c, 'allow'));
  const subject = reach.direction === 'narrows' ? [...reached.filter(([p]) => allowed(p)), ...reached.filter(([p]) => !allowed(p))] : reached;
  if (!subject.length) {
    const roles = reach.roles.includes('public') ? context.apiRoles : reach.roles;
    return `no persona acts as ${roles.join(' or ') || 'a role the policies apply to'}: add one, with a cell on ${reach.table}`;
  }
  const verdict = reach.direction === 'widens' ? 'deny' : 'allow';
  // Prefer a persona and command the matrix checks least on this table.
  // Personas the grants let reach the policies come first: for the others the privilege decides, not the mutant.
  const options = subject
    .flatMap(([persona, role]) =>
      reach.commands.map((command) => ({ persona, command, granted: context.holds(role, reach.table, command), cells: cellsOf(context.cells, reach.table, persona, command) })),
    )
    .sort((a, b) => Number(b.granted) - Number(a.granted));
  const pick = options.find((o) => !o.cells.length) ?? options.find((o) => !o.cells.some((c) => expects(c, verdict))) ?? options[0]!;
  const doing = `${pick.persona} ${DOING[pick.command]}`;
  if (!pick.cells.length) return `no cell checks ${doing} ${reach.table}: add ${pick.command}: ${verdict} on ${reach.rows}`;
  const scopes = [...new Set(pick.cells.map((c) => c.scope ?? 'the whole table'))].join(', ');
  return `no cell checks ${doing} ${reach.rows} of ${reach.table} (${pick.persona}'s ${pick.command} cells there: ${scopes}): add a scope holding such rows with ${pick.command}: ${verdict}`;
}

/**
 * A dropped trigger changes data, not a policy: whichever cell's verdict rests on what it writes
 * would notice. Without knowing which those are, the suggestion names what it writes and the
 * allow cells that could rest on it, if any.
 */
function triggerSuggestion(object: string, reach: MutantReach, context: SuggestContext): string {
  const allowed = context.cells.filter((c) => expects(c, 'allow'));
  const trigger = object.slice(reach.table.length + 1);
  const base = `no cell's verdict rests on ${reach.rows}: trigger "${trigger}" was dropped before the fixtures and every cell still passed`;
  if (!allowed.length) return `${base}; the matrix has no allow cell, and only a persona granted access through what the trigger writes would lose it: add one`;
  return `${base}; add an allow cell for a persona whose access comes only through what the trigger writes (a membership or claim seeded through ${reach.table})`;
}

function cellsOf(cells: readonly Cell[], table: string, persona: string, command: string): Cell[] {
  return cells.filter((c) => c.table === table && c.persona === persona && (c.operation === command || (command !== 'select' && c.operation === 'upsert' && command === 'insert')));
}

function expects(cell: Cell, verdict: 'allow' | 'deny'): boolean {
  const text = JSON.stringify(cell.expected);
  return verdict === 'allow' ? text.includes('allow') : /deny|filtered|refused/.test(text);
}
