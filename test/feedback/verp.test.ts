import { describe, expect, it } from 'vitest';
import { createVerp, VerpError } from '../../src/feedback/verp.ts';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const verp = createVerp(SECRET, 'bounces@bounces.example.org');

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e instanceof VerpError ? e.code : `not a VerpError: ${String(e)}`;
  }
  return 'no error';
};

/** The token's three fields: dispatch (base 36), subscriber (base 36), MAC. */
const fieldsOf = (address: string) => address.slice('bounces+'.length, address.indexOf('@')).split('-');

describe('VERP envelope senders', () => {
  it('round-trips dispatch and subscriber through bounces+<token>@domain', () => {
    for (const [d, s] of [['d1', '1'], ['d12', '345'], ['d9007199254740993', '123456789012345678']]) {
      const address = verp.envelopeFor(d!, s!);
      expect(address).toMatch(/^bounces\+[0-9a-z]+-[0-9a-z]+-[a-z2-7]{16}@bounces\.example\.org$/);
      expect(verp.parse(address)).toEqual({ dispatchId: d, subscriberId: s });
    }
  });

  it('does not carry the ids or the address in the clear, and differs per reader', () => {
    const a = verp.envelopeFor('d12', '345');
    const b = verp.envelopeFor('d12', '346');
    expect(a).not.toContain('345');
    expect(fieldsOf(a)[2]).not.toBe(fieldsOf(b)[2]);
    expect(verp.bounceAddress).toBe('bounces@bounces.example.org');
  });

  it('accepts any case, angle brackets and surrounding space (MTAs lower- or upper-case local parts)', () => {
    const address = verp.envelopeFor('d12', '345');
    expect(verp.parse(address.toUpperCase())).toEqual({ dispatchId: 'd12', subscriberId: '345' });
    expect(verp.parse(` <${address.replace('bounces.example.org', 'Bounces.Example.ORG')}> `)).toEqual({ dispatchId: 'd12', subscriberId: '345' });
  });

  it('rejects a token whose ids were changed, keeping the MAC', () => {
    const [, , mac] = fieldsOf(verp.envelopeFor('d12', '345'));
    const otherReader = `bounces+${(12).toString(36)}-${(346).toString(36)}-${mac}@bounces.example.org`;
    const otherDispatch = `bounces+${(13).toString(36)}-${(345).toString(36)}-${mac}@bounces.example.org`;
    expect(verp.parse(otherReader)).toBeNull();
    expect(verp.parse(otherDispatch)).toBeNull();
  });

  it('rejects a token whose MAC was changed, shortened or made with another secret', () => {
    const address = verp.envelopeFor('d12', '345');
    const at = address.indexOf('@');
    const last = address[at - 1]!;
    expect(verp.parse(`${address.slice(0, at - 1)}${last === 'a' ? 'b' : 'a'}${address.slice(at)}`)).toBeNull();
    expect(verp.parse(`${address.slice(0, at - 1)}${address.slice(at)}`)).toBeNull();
    const other = createVerp(`${SECRET}-rotated`, 'bounces@bounces.example.org');
    expect(other.parse(address)).toBeNull();
  });

  it('rejects other domains, other local parts, non-canonical numbers and junk', () => {
    const address = verp.envelopeFor('d12', '345');
    const [d, s, mac] = fieldsOf(address);
    expect(verp.parse(address.replace('bounces.example.org', 'evil.example'))).toBeNull();
    expect(verp.parse(address.replace('bounces+', 'alerts+'))).toBeNull();
    expect(verp.parse(`bounces+0${d}-${s}-${mac}@bounces.example.org`)).toBeNull();
    expect(verp.parse(`bounces+${d}-${s}-${mac}-x@bounces.example.org`)).toBeNull();
    expect(verp.parse('bounces@bounces.example.org')).toBeNull();
    for (const junk of ['', '@', 'bounces+@bounces.example.org', 'x'.repeat(1000), `bounces+${'z'.repeat(60)}@bounces.example.org`]) {
      expect(verp.parse(junk)).toBeNull();
    }
    expect(verp.parse(42 as unknown as string)).toBeNull();
  });

  it('keeps the local part within 64 octets for the largest ids, and says so when a long BOUNCE_ADDRESS would not', () => {
    const largest = verp.envelopeFor('d999999999999999999', '999999999999999999');
    expect(largest.slice(0, largest.indexOf('@')).length).toBeLessThanOrEqual(64);
    expect(verp.parse(largest)).toEqual({ dispatchId: 'd999999999999999999', subscriberId: '999999999999999999' });
    const long = createVerp(SECRET, `${'b'.repeat(30)}@bounces.example.org`);
    expect(codeOf(() => long.envelopeFor('d999999999999999999', '999999999999999999'))).toBe('VERP_TOO_LONG');
    expect(long.parse(long.envelopeFor('d1', '1'))).toEqual({ dispatchId: 'd1', subscriberId: '1' });
  });

  it('refuses ids that are not ours and configuration that cannot work, with stable codes', () => {
    expect(codeOf(() => verp.envelopeFor('12', '345'))).toBe('VERP_IDS_INVALID');
    expect(codeOf(() => verp.envelopeFor('d12', '0345'))).toBe('VERP_IDS_INVALID');
    expect(codeOf(() => verp.envelopeFor('d12', 'reader@example.org'))).toBe('VERP_IDS_INVALID');
    expect(codeOf(() => createVerp('short', 'bounces@bounces.example.org'))).toBe('VERP_SECRET_INVALID');
    expect(codeOf(() => createVerp(SECRET, 'not an address'))).toBe('VERP_ADDRESS_INVALID');
    expect(codeOf(() => createVerp(SECRET, '"quoted local"@bounces.example.org'))).toBe('VERP_ADDRESS_INVALID');
    expect(codeOf(() => createVerp(SECRET, 'bounces@localhost'))).toBe('VERP_ADDRESS_INVALID');
  });
});
