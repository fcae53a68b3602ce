import type { PersonaIdentity } from '../jwt.js';
import type { CellPlan } from '../planner/plan.js';

/**
 * A cell's whole statement sequence, as the SQL executor sends it, to paste into psql connected to
 * the same database as a role that may SET ROLE to the persona's (the one the run connected as):
 * a transaction, the persona's role, claims and request settings (and db-pre-request), the
 * operation, and a rollback, so pasting it changes nothing. Tokens and API keys in the request
 * headers are replaced by whose they are: a report must not carry credentials.
 */
export function replayText(plan: CellPlan, identities: Iterable<PersonaIdentity>): string {
  let setup = plan.setup;
  for (const identity of identities) {
    setup = setup.replaceAll(identity.token, `<token of ${identity.persona}>`);
    if (identity.apiKey !== identity.token) setup = setup.replaceAll(identity.apiKey, '<anon key>');
  }
  return `begin;\nset constraints all immediate;\n${setup};\n${plan.statement};\nrollback;\n`;
}
