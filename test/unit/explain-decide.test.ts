import { describe, expect, it } from 'vitest';
import type { PolicyEvaluation } from '../../core/index.js';
import { decideRow, gatesOf } from '../../harness/explain/decide.js';

const ev = (policy: string, value: PolicyEvaluation['value'], more: Partial<PolicyEvaluation> = {}): PolicyEvaluation => ({
  policy,
  clause: 'using',
  command: 'SELECT',
  permissive: true,
  on: 'existing',
  value,
  ...more,
});

describe('decideRow: how policies combine for one row', () => {
  const select = gatesOf('select', false);
  it('lets a row through by the first permissive policy that holds, when every restrictive one holds', () => {
    const row = decideRow('id=1', select, [ev('own', false), ev('team', true), ev('mfa', true, { permissive: false })], 'authenticated');
    expect(row).toMatchObject({ decision: 'through', policy: 'team', reason: 'let through by "team" (SELECT USING)' });
  });
  it('hides a row a restrictive policy rejects, naming it, even when a permissive one holds', () => {
    expect(decideRow('id=1', select, [ev('own', true), ev('mfa', null, { permissive: false })], 'authenticated')).toMatchObject({ decision: 'hidden', policy: 'mfa' });
  });
  it('says a row is denied by default when no permissive policy applies to the role', () => {
    expect(decideRow('id=1', select, [], 'anon').reason).toBe('hidden: no permissive SELECT policy applies to role anon: denied by default');
  });
  it('cannot attribute a row when the only permissive policy that might admit it raised an error', () => {
    const row = decideRow('id=1', select, [ev('own', false), ev('helper', { error: '42501 permission denied for function f' })], 'authenticated');
    expect(row).toMatchObject({ decision: 'unattributed', reason: 'cannot be attributed: "helper" error: 42501 permission denied for function f' });
  });
  it('still decides when an erroring permissive policy does not matter: another one admits the row', () => {
    expect(decideRow('id=1', select, [ev('own', true), ev('helper', { error: 'x' })], 'authenticated')).toMatchObject({ decision: 'through', policy: 'own' });
  });
  it('refuses an update whose new row fails the WITH CHECK, after the existing row passed USING', () => {
    const update = gatesOf('update', false);
    const row = decideRow(
      'id=1',
      update,
      [ev('upd', true, { command: 'UPDATE' }), ev('own', true), ev('upd', false, { command: 'UPDATE', clause: 'check', on: 'new' }), ev('own', true, { on: 'new' })],
      'authenticated',
    );
    expect(row).toMatchObject({ decision: 'refused', reason: 'refused: no permissive UPDATE WITH CHECK holds ("upd" false)' });
  });
});
