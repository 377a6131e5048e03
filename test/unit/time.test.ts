import { strict as assert } from 'node:assert';
import { LcsInstant, compareInstants, formatInstant, parseLcsTimestamp } from '../../tasks/common/text/time';

function instant(raw: string): LcsInstant {
  const parsed = parseLcsTimestamp(raw);
  assert.ok(parsed, `expected '${raw}' to parse`);
  return parsed;
}

describe('time', () => {
  describe('parseLcsTimestamp', () => {
    it('reads a timestamp without an offset as UTC', () => {
      const t = instant('2019-09-27T15:17:35.867');
      assert.equal(t.epochMs, Date.UTC(2019, 8, 27, 15, 17, 35, 867));
      assert.equal(t.subMsTicks, 0);
    });

    it('reads whole seconds without a fraction', () => {
      assert.equal(instant('2026-03-04T05:06:07').epochMs, Date.UTC(2026, 2, 4, 5, 6, 7));
    });

    it('honours Z (upper and lower case)', () => {
      assert.equal(instant('2026-03-04T05:06:07Z').epochMs, Date.UTC(2026, 2, 4, 5, 6, 7));
      assert.equal(instant('2026-03-04T05:06:07z').epochMs, Date.UTC(2026, 2, 4, 5, 6, 7));
    });

    it('honours a positive offset with a colon', () => {
      assert.equal(instant('2026-03-04T05:06:07+02:00').epochMs, Date.UTC(2026, 2, 4, 3, 6, 7));
    });

    it('honours a negative offset without a colon', () => {
      assert.equal(instant('2026-03-04T05:06:07-0530').epochMs, Date.UTC(2026, 2, 4, 10, 36, 7));
    });

    it('crosses the date line with an offset', () => {
      assert.equal(instant('2026-01-01T01:00:00+03:00').epochMs, Date.UTC(2025, 11, 31, 22, 0, 0));
    });

    it('gives the same instant for equivalent notations', () => {
      const a = instant('2026-03-04T05:06:07.5');
      const b = instant('2026-03-04T05:06:07.500Z');
      const c = instant('2026-03-04T07:06:07.5000000+02:00');
      assert.equal(compareInstants(a, b), 0);
      assert.equal(compareInstants(a, c), 0);
    });

    it('accepts a space instead of T and surrounding blanks', () => {
      assert.equal(instant(' 2026-03-04 05:06:07 ').epochMs, Date.UTC(2026, 2, 4, 5, 6, 7));
    });

    const fractions: [string, number, number][] = [
      ['1', 100, 0],
      ['12', 120, 0],
      ['123', 123, 0],
      ['1234', 123, 4000],
      ['12345', 123, 4500],
      ['123456', 123, 4560],
      ['1234567', 123, 4567],
    ];
    for (const [digits, ms, ticks] of fractions) {
      it(`accepts ${digits.length} fractional digit(s)`, () => {
        const t = instant(`2026-03-04T05:06:07.${digits}`);
        assert.equal(t.epochMs, Date.UTC(2026, 2, 4, 5, 6, 7, ms));
        assert.equal(t.subMsTicks, ticks);
      });
    }

    it('orders 7-digit timestamps within the same millisecond', () => {
      const earlier = instant('2026-03-04T05:06:07.1230001');
      const later = instant('2026-03-04T05:06:07.1230002');
      assert.equal(earlier.epochMs, later.epochMs);
      assert.ok(compareInstants(earlier, later) < 0);
      assert.ok(compareInstants(later, earlier) > 0);
    });

    it('keeps the 100 ns part across an offset', () => {
      const t = instant('2026-03-04T05:06:07.9999999-01:00');
      assert.equal(t.epochMs, Date.UTC(2026, 2, 4, 6, 6, 7, 999));
      assert.equal(t.subMsTicks, 9999);
    });

    it('accepts 29 February in a leap year only', () => {
      assert.ok(parseLcsTimestamp('2028-02-29T00:00:00'));
      assert.ok(parseLcsTimestamp('2000-02-29T00:00:00'), 'divisible by 400');
      assert.equal(parseLcsTimestamp('2026-02-29T00:00:00'), undefined);
      assert.equal(parseLcsTimestamp('1900-02-29T00:00:00'), undefined, 'divisible by 100, not 400');
      assert.equal(parseLcsTimestamp('2100-02-29T00:00:00'), undefined);
    });

    const invalid: [string, unknown][] = [
      ['empty string', ''],
      ['blank string', '   '],
      ['undefined', undefined],
      ['null', null],
      ['a number', 1767225600000],
      ['a Date', new Date(0)],
      ['an object', { value: '2026-01-01T00:00:00' }],
      ['30 February', '2026-02-30T00:00:00'],
      ['month 13', '2026-13-01T00:00:00'],
      ['month 0', '2026-00-10T00:00:00'],
      ['day 0', '2026-01-00T00:00:00'],
      ['31 April', '2026-04-31T00:00:00'],
      ['hour 25', '2026-01-01T25:00:00'],
      ['hour 24', '2026-01-01T24:00:00'],
      ['minute 60', '2026-01-01T10:60:00'],
      ['second 60', '2026-01-01T10:00:60'],
      ['a bare time 25:00', '25:00'],
      ['garbage', 'yesterday'],
      ['trailing text', '2026-01-01T00:00:00 UTC'],
      ['trailing text after Z', '2026-01-01T00:00:00Zx'],
      ['leading text', 'x2026-01-01T00:00:00'],
      ['8 fractional digits', '2026-01-01T00:00:00.12345678'],
      ['a dot without digits', '2026-01-01T00:00:00.'],
      ['date only', '2026-01-01'],
      ['no seconds', '2026-01-01T00:00'],
      ['offset hour 24', '2026-01-01T00:00:00+24:00'],
      ['offset minute 60', '2026-01-01T00:00:00+01:60'],
      ['short offset', '2026-01-01T00:00:00+1'],
      ['two-digit year', '26-01-01T00:00:00'],
      ['slashes', '2026/01/01T00:00:00'],
    ];
    for (const [label, value] of invalid) {
      it(`rejects ${label}`, () => {
        assert.equal(parseLcsTimestamp(value), undefined);
      });
    }
  });

  describe('formatInstant', () => {
    it('writes ISO 8601 UTC with Z', () => {
      assert.equal(formatInstant(instant('2019-09-27T15:17:35.867')), '2019-09-27T15:17:35.867Z');
    });

    it('converts an offset to UTC', () => {
      assert.equal(formatInstant(instant('2026-03-04T05:06:07+02:00')), '2026-03-04T03:06:07.000Z');
    });

    it('keeps all 7 fractional digits when there are sub-millisecond ticks', () => {
      assert.equal(formatInstant(instant('2026-03-04T05:06:07.1234567')), '2026-03-04T05:06:07.1234567Z');
    });

    it('drops trailing zeros of the tick part only', () => {
      assert.equal(formatInstant(instant('2026-03-04T05:06:07.1230500')), '2026-03-04T05:06:07.12305Z');
      assert.equal(formatInstant(instant('2026-03-04T05:06:07.0000001')), '2026-03-04T05:06:07.0000001Z');
    });

    it('round-trips through parseLcsTimestamp', () => {
      for (const raw of ['2026-03-04T05:06:07.1234567Z', '2026-03-04T05:06:07.0000001Z', '2026-12-31T23:59:59.999Z']) {
        const t = instant(raw);
        assert.equal(compareInstants(instant(formatInstant(t)), t), 0, raw);
      }
    });
  });
});
