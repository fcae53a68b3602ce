import pg from 'pg';
import type { Mutant, MutantKind, MutantReach } from '../core/index.js';
import { policyCalls } from './calls.js';
import type { MutableFunction, MutablePolicy, MutableTable, MutableTrigger, MutationCatalog } from './catalog.js';

type Command = MutantReach['commands'][number];
const ALL_COMMANDS: Command[] = ['select', 'insert', 'update', 'delete'];

/**
 * Every mutant of a catalogue, in a stable order (table by table, then the functions, then the
 * triggers): per policy drop it, USING → true, WITH CHECK → true or dropped (an UPDATE policy then
 * checks its USING), roles → public, permissive ↔ restrictive; per table with RLS disable it, and
 * drop FORCE where it is set; per function a policy calls make it answer true (boolean ones: a
 * helper returning ids or a role name has no one "most permissive" answer) and change its security
 * (definer → invoker, invoker → definer); per API role missing a table privilege grant it all four;
 * per AFTER row trigger (what keeps a claims or membership cache) drop it before the fixtures are
 * seeded. Each carries the statement that makes it and the tables whose cells it can change.
 * Pure; needs the SQL parser loaded.
 */
export function generateMutants(catalog: MutationCatalog): Mutant[] {
  const affects = affectedTables(catalog);
  const mutants: Mutant[] = [];
  for (const table of catalog.tables) {
    const reach = affects([table.name]);
    for (const policy of table.policies) {
      const operations = POLICY_OPERATIONS[policy.command];
      mutants.push(...policyMutants(table, policy, catalog).map((m) => ({ ...m, affects: reach, ...(operations ? { operations } : {}) })));
    }
    mutants.push(...tableMutants(table, catalog).map((m) => ({ ...m, affects: reach })));
  }
  mutants.push(...functionMutants(catalog, affects));
  mutants.push(...catalog.triggers.map((trigger) => triggerMutant(trigger, catalog)));
  return mutants;
}

/**
 * Drops a trigger before the fixtures are seeded: what it writes at insert time (a membership row,
 * claims in auth.users) is then never written, as when a migration forgets it. Whatever it writes
 * may be read by any policy, so every cell re-runs.
 */
function triggerMutant(trigger: MutableTrigger, catalog: MutationCatalog): Mutant {
  const object = `${trigger.table}.${trigger.name}`;
  const events = trigger.events.join('/');
  return {
    id: `trigger-drop:${object}`,
    kind: 'trigger-drop',
    object,
    description: `trigger "${trigger.name}" on ${trigger.table} dropped before the fixtures are seeded (${trigger.function}() never runs after ${events})`,
    statement: `drop trigger ${pg.escapeIdentifier(trigger.name)} on ${qualified(trigger.schema, trigger.tableName)}`,
    affects: [...new Set([...catalog.tables.map((t) => t.name), trigger.table])].sort(),
    beforeFixtures: true,
    reach: {
      table: trigger.table,
      roles: ['public'],
      commands: ALL_COMMANDS,
      direction: 'narrows',
      rows: `rows whose access depends on what ${trigger.function}() writes after ${events} on ${trigger.table}`,
    },
  };
}

type Draft = Omit<Mutant, 'affects'>;

/**
 * The operations a policy for each command decides, on its own table: an UPDATE or DELETE finds its
 * rows through the SELECT policies, an upsert goes through INSERT, UPDATE and SELECT ones. Cells that
 * return rows are added where the mutant is run (see `affectsCell`).
 */
const POLICY_OPERATIONS: Record<MutablePolicy['command'], Mutant['operations']> = {
  SELECT: ['select', 'update', 'delete', 'upsert'],
  INSERT: ['insert', 'upsert'],
  UPDATE: ['update', 'upsert'],
  DELETE: ['delete'],
  ALL: undefined,
};

function policyMutants(table: MutableTable, policy: MutablePolicy, catalog: MutationCatalog): Draft[] {
  const target = `${pg.escapeIdentifier(policy.name)} on ${qualified(table.schema, table.table)}`;
  const object = `${table.name}.${policy.name}`;
  const label = `${policy.permissive ? '' : 'restrictive '}policy "${policy.name}"`;
  const commands = commandsOf(policy);
  const draft = (kind: MutantKind, description: string, statement: string, reach: Omit<MutantReach, 'table'>): Draft => ({
    id: `${kind}:${object}`,
    kind,
    object,
    description,
    statement,
    reach: { table: table.name, ...reach },
  });
  const roles = policy.roles;
  const drafts: Draft[] = [
    draft('policy-drop', `${label} dropped`, `drop policy ${target}`, {
      roles,
      commands,
      direction: policy.permissive ? 'narrows' : 'widens',
      rows: policy.permissive ? `the rows ${label} lets through` : `the rows ${label} keeps out`,
    }),
  ];
  if (policy.command !== 'INSERT' && policy.using !== null && !isTrue(policy.using))
    drafts.push(
      draft('policy-using-true', `${label} USING (${policy.using}) made true`, `alter policy ${target} using (true)`, {
        roles,
        commands: commands.filter((c) => c !== 'insert'),
        direction: 'widens',
        rows: `rows ${label}'s USING does not admit`,
      }),
    );
  const check = policy.withCheck ?? (policy.command === 'INSERT' ? null : policy.using);
  if (['INSERT', 'UPDATE', 'ALL'].includes(policy.command) && check !== null && !isTrue(check))
    drafts.push(
      draft('policy-check-true', `${label} WITH CHECK (${check}) made true`, `alter policy ${target} with check (true)`, {
        roles,
        commands: commands.filter((c) => c === 'insert' || c === 'update'),
        direction: 'widens',
        rows: `rows written that ${label}'s WITH CHECK refuses`,
      }),
    );
  if ((policy.command === 'UPDATE' || policy.command === 'ALL') && policy.withCheck !== null && policy.using !== null && policy.withCheck !== policy.using)
    drafts.push(
      draft(
        'policy-check-drop',
        `${label} WITH CHECK (${policy.withCheck}) dropped (its USING checks written rows instead)`,
        `drop policy ${target}; ${createPolicy(table, { ...policy, withCheck: null }, policy.permissive ? 'permissive' : 'restrictive')}`,
        {
          roles,
          commands: ['update'],
          direction: 'widens',
          rows: `rows written that ${label}'s WITH CHECK refuses but its USING admits`,
        },
      ),
    );
  if (!roles.includes('public')) {
    const others = catalog.apiRoles.filter((r) => !roles.includes(r));
    drafts.push(
      draft('policy-roles-public', `${label} applied to every role instead of ${roles.join(', ')}`, `alter policy ${target} to public`, {
        roles: others.length ? others : ['public'],
        commands,
        direction: policy.permissive ? 'widens' : 'narrows',
        rows: `the rows ${label} lets through, for roles it did not name`,
      }),
    );
  }
  const flipped = policy.permissive ? 'restrictive' : 'permissive';
  drafts.push(
    draft('policy-flip', `${label} made ${flipped}`, `drop policy ${target}; ${createPolicy(table, policy, flipped)}`, {
      roles,
      commands,
      direction: policy.permissive ? 'narrows' : 'widens',
      rows: policy.permissive ? `rows ${label} admits but another policy does not` : `rows ${label} keeps out that another policy admits`,
    }),
  );
  return drafts;
}

function tableMutants(table: MutableTable, catalog: MutationCatalog): Draft[] {
  const name = qualified(table.schema, table.table);
  const drafts: Draft[] = [];
  const draft = (kind: MutantKind, object: string, description: string, statement: string, reach: Omit<MutantReach, 'table'>) =>
    drafts.push({ id: `${kind}:${object}`, kind, object, description, statement, reach: { table: table.name, ...reach } });
  if (table.rlsEnabled)
    draft('rls-disable', table.name, `row-level security of ${table.name} disabled`, `alter table ${name} disable row level security`, {
      roles: ['public'],
      commands: ALL_COMMANDS,
      direction: 'widens',
      rows: 'rows no policy admits',
    });
  if (table.rlsEnabled && table.rlsForced)
    draft('rls-no-force', table.name, `FORCE ROW LEVEL SECURITY of ${table.name} dropped (its owner ${table.owner} bypasses the policies)`, `alter table ${name} no force row level security`, {
      roles: [table.owner],
      commands: ALL_COMMANDS,
      direction: 'widens',
      rows: `rows no policy admits, for the owner ${table.owner}`,
    });
  for (const role of catalog.apiRoles) {
    const missing = ALL_COMMANDS.filter((c) => !(table.privileges[role] ?? []).includes(c.toUpperCase()));
    if (!missing.length) continue;
    draft(
      'grant-widen',
      `${role}@${table.name}`,
      `${role} granted every privilege on ${table.name} (it lacked ${missing.join(', ')})`,
      `grant select, insert, update, delete on table ${name} to ${pg.escapeIdentifier(role)}`,
      {
        roles: [role],
        commands: missing,
        direction: 'widens',
        rows: `${table.name} (${role} held no ${missing.join('/')} privilege)`,
      },
    );
  }
  return drafts;
}

/** Mutants of the functions policies call: they affect every table whose policies call them. */
function functionMutants(catalog: MutationCatalog, affects: (tables: string[]) => string[]): Mutant[] {
  const callers = new Map<MutableFunction, string[]>();
  // The commands of the policies calling each helper on the first table that calls it: what a survivor's suggestion names.
  const commands = new Map<MutableFunction, Set<Command>>();
  for (const table of catalog.tables) {
    for (const policy of table.policies) {
      for (const fn of policyCalls(policy, catalog.functions)) {
        callers.set(fn, [...new Set([...(callers.get(fn) ?? []), table.name])]);
        if (callers.get(fn)![0] === table.name) commands.set(fn, new Set([...(commands.get(fn) ?? []), ...commandsOf(policy)]));
      }
    }
  }
  const mutants: Mutant[] = [];
  for (const [fn, tables] of callers) {
    const signature = `${qualified(fn.schema, fn.name)}(${fn.identityArgs})`;
    const object = `${fn.schema}.${fn.name}(${fn.identityArgs})`;
    const base = { object, affects: affects(tables) };
    const reach = { table: tables[0]!, roles: ['public'], commands: ALL_COMMANDS.filter((c) => commands.get(fn)?.has(c)) };
    if (fn.returnsBoolean)
      mutants.push({
        ...base,
        id: `function-permissive:${object}`,
        kind: 'function-permissive',
        description: `${object} always answers true (called by policies of ${tables.join(', ')})`,
        // CREATE OR REPLACE keeps the function's oid, owner and grants; `select true` needs no rights to read anything.
        statement: `create or replace function ${qualified(fn.schema, fn.name)}(${fn.args}) returns boolean language sql as 'select true'`,
        reach: { ...reach, direction: 'widens', rows: `rows for which ${fn.schema}.${fn.name}() answers false` },
      });
    if (!fn.securityDefiner) {
      mutants.push({
        ...base,
        id: `function-definer:${object}`,
        kind: 'function-definer',
        description: `${object} runs as its owner instead of its caller (called by policies of ${tables.join(', ')}): what it reads is no longer filtered by RLS`,
        statement: `alter function ${signature} security definer`,
        reach: { ...reach, direction: 'widens', rows: `rows ${fn.schema}.${fn.name}() admits when it reads as its owner` },
      });
      continue;
    }
    mutants.push({
      ...base,
      id: `function-invoker:${object}`,
      kind: 'function-invoker',
      description: `${object} runs as its caller instead of its owner (called by policies of ${tables.join(', ')})`,
      statement: `alter function ${signature} security invoker`,
      reach: { ...reach, direction: 'narrows', rows: `rows ${fn.schema}.${fn.name}() decides on, when it runs with the caller's rights` },
    });
  }
  return mutants;
}

/**
 * The tables whose cells a change to `tables` can affect: themselves, the views that read them,
 * the tables whose policies name them, and, since a SECURITY INVOKER function may read or write any
 * table with the caller's rights, every table whose policies call one or whose triggers run one;
 * repeated until nothing is added.
 */
function affectedTables(catalog: MutationCatalog): (tables: string[]) => string[] {
  const invokerCallers = catalog.tables.filter((t) => t.invokerTriggers || t.policies.some((p) => policyCalls(p, catalog.functions).some((fn) => !fn.securityDefiner))).map((t) => t.name);
  const readBy = new Map(catalog.tables.map((t) => [t.name, t.readBy]));
  return (tables) => {
    const seen = new Set(tables);
    const queue = [...tables];
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      for (const next of [...(readBy.get(name) ?? []), ...invokerCallers]) {
        if (seen.has(next)) continue;
        seen.add(next);
        queue.push(next);
      }
    }
    return [...seen].sort();
  };
}

/** The policy as it is, as the other kind (ALTER POLICY cannot change it: dropped and created again under its name). */
function createPolicy(table: MutableTable, policy: MutablePolicy, as: 'permissive' | 'restrictive'): string {
  const roles = policy.roles.map((r) => (r === 'public' ? 'public' : pg.escapeIdentifier(r))).join(', ');
  const using = policy.using === null ? '' : ` using (${policy.using})`;
  const check = policy.withCheck === null ? '' : ` with check (${policy.withCheck})`;
  return `create policy ${pg.escapeIdentifier(policy.name)} on ${qualified(table.schema, table.table)} as ${as} for ${policy.command.toLowerCase()} to ${roles}${using}${check}`;
}

function commandsOf(policy: MutablePolicy): Command[] {
  return policy.command === 'ALL' ? ALL_COMMANDS : [policy.command.toLowerCase() as Command];
}

function qualified(schema: string, name: string): string {
  return `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(name)}`;
}

function isTrue(expression: string): boolean {
  return /^\(*\s*true\s*\)*$/i.test(expression.trim());
}
