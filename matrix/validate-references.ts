import { knownPersonaNames, namesInSql, personaGives } from './attributes.js';
import { personaHasUser } from './personas.js';
import { PERSONA_BUILTINS } from './schema.js';
import type { DocumentPath, LoadedMatrix } from './types.js';
import type { RowSpec } from '../core/index.js';

/** Records a problem at a document path, with the nearest of `candidates` when given. */
export type Report = (path: DocumentPath, message: string, name?: string, candidates?: Iterable<string>) => void;

/**
 * Who reads a value: `undefined` for a cell's row, set:, args or scope (any persona acting, checked
 * per cell when cells are counted), a persona name for a fixture row with `$as`, `null` for a
 * fixture row without one (no persona acts, so `@persona.X` means nothing there).
 */
type Actor = string | null | undefined;

/** Checks the references of a matrix's values and SQL: `@user.X`, `@persona.X`, `{persona.X}`, `$as`, `$count`. */
export class ReferenceChecker {
  readonly #personas: string[];
  readonly #users: string[];
  readonly #names: string[];

  constructor(
    private readonly matrix: Pick<LoadedMatrix, 'personas'>,
    private readonly report: Report,
  ) {
    this.#personas = Object.keys(matrix.personas);
    this.#users = this.#personas.filter((p) => personaHasUser(matrix, p));
    this.#names = knownPersonaNames(matrix);
  }

  /** A row's values (and a fixture row's directives). */
  row(row: RowSpec, path: DocumentPath, actor: Actor): void {
    for (const [column, value] of Object.entries(row)) {
      const at = [...path, column];
      if (column === '$as') {
        if (typeof value !== 'string' || !this.#personas.includes(value)) this.report(at, `$as names an unknown persona '${String(value)}'`, String(value), this.#personas);
      } else if (column === '$count') {
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) this.report(at, '$count must be a positive integer');
      } else this.value(value, at, actor);
    }
  }

  /** SQL a matrix writes (a scope, or the text of an `= expr` value). */
  sql(sql: string, path: DocumentPath, actor: Actor): void {
    const { persona, foreign } = namesInSql(sql);
    for (const text of foreign) this.report(path, `unknown placeholder ${text}: the placeholders are {persona.X}, the acting persona's id, email, name or attribute X`);
    for (const name of persona) this.personaName(name, `{persona.${name}}`, path, actor);
  }

  /** Each persona's attributes: values, never SQL or another persona's attribute. */
  attributes(): void {
    for (const [persona, spec] of Object.entries(this.matrix.personas)) {
      for (const [name, value] of Object.entries(spec.attributes ?? {})) {
        const at = ['personas', persona, 'attributes', name];
        if ((PERSONA_BUILTINS as readonly string[]).includes(name)) this.report(at, `'${name}' is built in (@persona.${name}): give the attribute another name`);
        else if (typeof value === 'string' && (value.startsWith('=') || value.startsWith('@persona.')))
          this.report(at, `attribute '${name}' of persona ${persona} is a value ("@ref", "@user.X", text, a number), not SQL or another attribute`);
        else this.value(value, at, null);
      }
    }
  }

  private value(value: unknown, path: DocumentPath, actor: Actor): void {
    if (typeof value !== 'string') return;
    if (value.startsWith('@user.')) {
      const persona = value.slice('@user.'.length);
      if (this.#users.includes(persona)) return;
      const known = this.#personas.includes(persona);
      this.report(
        path,
        known ? `'${value}': persona '${persona}' has no user (a persona is a user with role authenticated, id, email or user: true)` : `'${value}' names an unknown persona '${persona}'`,
        persona,
        known ? undefined : this.#users,
      );
    } else if (value.startsWith('@persona.')) this.personaName(value.slice('@persona.'.length), `'${value}'`, path, actor);
    else if (value.startsWith('=')) this.sql(value.slice(1), path, actor);
  }

  private personaName(name: string, written: string, path: DocumentPath, actor: Actor): void {
    if (actor === null) {
      this.report(path, `${written} reads the acting persona, and no persona acts here: give the row $as: <persona>`);
    } else if (!this.#names.includes(name)) {
      this.report(path, `${written}: no persona has an attribute '${name}' (built in: ${PERSONA_BUILTINS.join(', ')})`, name, this.#names);
    } else if (actor !== undefined && !personaGives(this.matrix, actor, name)) {
      this.report(path, `${written}: persona '${actor}' ($as) has no attribute '${name}'`, name, Object.keys(this.matrix.personas[actor]?.attributes ?? {}));
    }
  }
}
