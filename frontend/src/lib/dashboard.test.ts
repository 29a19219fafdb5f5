import { describe, expect, it } from 'vitest';
import { actionLabel, detailLines } from '../components/AuditPanel';
import { toSeries } from '../components/EquityChart';
import { bucketLabel, sample } from '../components/EquityPanel';
import { toXY } from '../components/ProfitChart';
import { setLocale } from '../i18n';

describe('profit curve', () => {
  it('starts at the first bucket (no made-up zero) and is carried flat to now', () => {
    const pts = [{ t: '2026-12-02T01:00:00Z', profit: '5', cumulative: '5' },
                 { t: '2026-12-02T03:00:00Z', profit: '-2', cumulative: '3' }];
    const now = Date.parse('2026-12-02T05:30:00Z');
    expect(toXY(pts, now)).toEqual([
      { x: Date.parse('2026-12-02T01:00:00Z'), y: 5 },
      { x: Date.parse('2026-12-02T03:00:00Z'), y: 3 },
      { x: now, y: 3 }]);
    expect(toXY([], now)).toEqual([]);
  });
});

describe('equity series', () => {
  it('parses, drops junk and sorts by time', () => {
    const p = (t: string, eq: string) => ({ t, balance: '100', equity: eq, equity_min: eq,
                                             equity_max: eq, drawdown: '0', drawdown_pct: null });
    const s = toSeries([p('2026-12-02T02:00:00Z', '2'), p('bad', '1'), p('2026-12-02T01:00:00Z', 'x'),
                        p('2026-12-02T00:00:00Z', '1')]);
    expect(s.map((x) => x.equity)).toEqual([1, 2]);
  });

  it('labels buckets and samples rows for the table', () => {
    setLocale('en');
    expect(bucketLabel(60)).toBe('1m');
    expect(bucketLabel(900)).toBe('15m');
    expect(bucketLabel(14400)).toBe('4h');
    expect(bucketLabel(86400)).toBe('1d');
    setLocale('th');
    expect(bucketLabel(60)).toBe('1 นาที');
    setLocale('en');
    const rows = Array.from({ length: 100 }, (_, i) => i);
    const s = sample(rows, 5);
    expect(s).toEqual([0, 25, 50, 74, 99]);
    expect(sample([1, 2], 5)).toEqual([1, 2]);
  });
});

describe('audit entries', () => {
  it('shows changes as old → new and other details as key: value', () => {
    expect(detailLines({ from: 'PUBSUB', to: 'RECORD' })).toEqual(['PUBSUB → RECORD']);
    expect(detailLines({ reverse: { from: false, to: true }, name: 'X', gone: null }))
      .toEqual(['gone: —', 'name: X', 'reverse: false → true']);
  });

  it('has a label for every action the server writes, in both languages', () => {
    const actions = ['account.created', 'account.updated', 'mode.changed', 'partner.changed',
      'rules.changed', 'guards.changed', 'guards.control', 'guards.trip_reset', 'key.rotated',
      'master_token.rotated', 'follow.started', 'follow.stopped', 'follow.removed_by_master',
      'follower.removed', 'follower.allowed', 'login'];
    for (const lang of ['en', 'th'] as const) {
      setLocale(lang);
      for (const a of actions) expect(actionLabel(a)).not.toBe(a);
    }
    setLocale('en');
    expect(actionLabel('something.new')).toBe('something.new');
  });
});
