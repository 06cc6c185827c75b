import json, sys, numpy as np, pandas as pd
sys.path.insert(0, '/work/audit66/aud')
from audit66_ref import *  # the helper ran these from its clone as aud/{audit,summary,ref}.py
rec = sys.argv[1]
d = json.load(open(f'/work/audit66/out/{rec}/report.json'))
ev = pd.read_csv(f'/work/audit66/out/{rec}/events.csv')
pb = pd.read_csv(f'/work/audit66/out/{rec}/beats.csv')
rb, rhythm, other, fs = load_ref(rec)
P = lambda *a: print(*a)
P(f'==== {rec} dur {d["duration_s"]} analyzable {d["analyzable_s"]}')
P('ref rhythms:', {r: round(sum(min(b, d["duration_s"])-a for a, b, rr in rhythm if rr == r), 1) for r in set(x[2] for x in rhythm)})
P('beats pipeline', d['beats'], ' ref', rb.cls.value_counts().to_dict())
P('warnings', d['warnings'])
# excluded
P('-- excluded')
for e in d['excluded']:
    m = (rb.t >= e['start_s']) & (rb.t < e['end_s'])
    inside = rb[m]
    # ref longest RR spanning
    lo, hi = e['start_s'], e['end_s']
    t = rb.t.to_numpy(); i0 = np.searchsorted(t, lo)-1; i1 = np.searchsorted(t, hi)
    seg = t[max(i0,0):i1+1]
    mx = np.diff(seg).max() if len(seg) > 1 else np.nan
    P(f"  {e['reason']:10s} {lo:9.2f}-{hi:9.2f} ({hi-lo:5.1f}s) ref beats {m.sum():3d} [{ctx(rb, lo-2, hi+2)[:60]}] refmaxRR {mx:.2f} rhythm {rhythms_over(rhythm, lo, hi)}"
      + (' nonbeat:' + ''.join(other.sym[(other.t>=lo)&(other.t<hi)])[:30]))
# reference pauses >= 2 s
t = rb.t.to_numpy(); rr = np.diff(t)
P('-- reference R-R >= 2.0 s')
for k in np.flatnonzero(rr >= 2.0):
    a = t[k]
    cover = [e['reason'] for e in d['excluded'] if e['start_s'] < t[k+1] and e['end_s'] > a]
    rep = [p for p in d['pauses'] if abs(p['start_s'] - a) < 0.3]
    P(f"  ref pause {a:9.2f} {rr[k]:.2f}s after {rb.sym[k]} rhythm {rhythm_at(rhythm, a)} ctx [{ctx(rb, a-5, t[k+1]+3)}] -> report: {rep or cover or 'MISSING'}")
P('-- report pauses')
for p in d['pauses']:
    a = p['start_s']; b = a + p['duration_s']
    k = np.argmin(abs(t - a)); 
    refrr = t[np.searchsorted(t, b-0.15)] - t[k] if np.searchsorted(t, b-0.15) < len(t) else np.nan
    P(f"  {a:9.2f} {p['duration_s']:.2f}s after {p['after']} in_af {p['in_af']} | ref beat at {t[k]:.2f} {rb.sym[k]} ({abs(t[k]-a):.3f}), ref beats inside {((t > a+0.15) & (t < b-0.15)).sum()}, rhythm {rhythm_at(rhythm, a)} ctx [{ctx(rb, a-5, b+3)}]")
# heart rate
P('-- heart rate', d['heart_rate'])
rt, rhr = hr8(rb)
for key in ('max', 'min'):
    at = d['heart_rate'][f'{key}_at_s']
    if at is None: continue
    j = np.argmin(abs(rt - at))
    P(f"  report {key} {d['heart_rate'][key+'_bpm']} at {at}: ref 8-RR rate there {rhr[j]:.1f}, ref ctx [{ctx(rb, at-8, at+1)}], rhythm {rhythms_over(rhythm, at-8, at)}")
    # pipeline beats window
    pbw = pb[(pb.time_s >= at-8) & (pb.time_s <= at+0.01)]
    P(f"     pipeline beats in last 8s: {len(pbw)}; ref beats: {((rb.t>=at-8)&(rb.t<=at+0.01)).sum()}")
ok = np.isfinite(rhr)
P(f"  ref 8-RR max {np.nanmax(rhr):.1f} at {rt[np.nanargmax(rhr)]:.1f} rhythm {rhythm_at(rhythm, rt[np.nanargmax(rhr)])}; min {np.nanmin(rhr):.1f} at {rt[np.nanargmin(rhr)]:.1f} rhythm {rhythm_at(rhythm, rt[np.nanargmin(rhr)])}")
# runs
P('-- V/S summaries')
for c in ('ventricular', 'supraventricular'):
    P(' ', c, {k: v for k, v in d[c].items()})
for cls in 'VS':
    runs = ev[ev.type == f'{cls} run']
    if len(runs) == 0: continue
    for label, row in (('longest', runs.loc[runs.beats.idxmax()]), ('fastest', runs.loc[runs.rate_bpm.idxmax()])):
        a, b = row.start_s, row.end_s
        P(f"  {label} {cls} run {a:.2f}-{b:.2f} {row.beats} beats {row.rate_bpm:.0f} bpm | ref [{ctx(rb, a-0.1, b+0.1)}] rhythm {rhythms_over(rhythm, a, b)}")
    # list all runs briefly with ref
    P(f"  all {cls} runs:")
    for _, row in runs.iterrows():
        P(f"     {row.start_s:9.2f} {row.beats:3d} {row.rate_bpm:5.0f} ref [{ctx(rb, row.start_s-0.1, row.end_s+0.1)[:40]}] {rhythms_over(rhythm, row.start_s, row.end_s)}")
# reference runs
P('-- reference V/S runs >=3')
for cls in 'VS':
    c = (rb.cls == cls).to_numpy().astype(int)
    edges = np.diff(np.r_[0, c, 0]); st = np.flatnonzero(edges == 1); en = np.flatnonzero(edges == -1)
    for s_, e_ in zip(st, en):
        if e_ - s_ >= 3:
            a, b = t[s_], t[e_-1]
            rate = 60*(e_-s_-1)/(b-a)
            got = ev[(ev.start_s < b+0.2) & (ev.end_s > a-0.2) & ev.type.str.startswith(cls)]
            exc = [e['reason'] for e in d['excluded'] if e['start_s'] < b and e['end_s'] > a]
            fl = [f for f in d['flutter'] if f['start_s'] < b and f['start_s']+f['duration_s'] > a]
            P(f"  ref {cls} run {a:9.2f} {e_-s_:3d} beats {rate:5.0f} bpm -> {list(zip(got.type, got.beats)) or 'none'} {exc} {'flutter' if fl else ''} pipeline classes [{''.join(pb[(pb.time_s>=a-0.1)&(pb.time_s<=b+0.1)]['class'])[:40]}]")
P('-- AF', d['atrial_fibrillation'])
for _, row in ev[ev.type == 'AF'].iterrows():
    P(f"  AF {row.start_s:.1f}-{row.end_s:.1f} rate {row.rate_bpm:.0f}: ref rhythm {rhythms_over(rhythm, row.start_s, row.end_s)}")
refaf = [(a, b) for a, b, r in rhythm if r in ('(AFIB', '(AFL')]
for a, b in refaf:
    b = min(b, d['duration_s'])
    got = ev[(ev.type == 'AF') & (ev.start_s < b) & (ev.end_s > a)]
    P(f"  ref AF/AFL {a:.1f}-{b:.1f} ({b-a:.0f}s) -> {list(zip(got.start_s.round(1), got.end_s.round(1)))}")
P('-- flutter', d['flutter'])
for f in d['flutter']:
    a = f['start_s']; b = a+f['duration_s']
    P(f"   {a:.1f}-{b:.1f} ref rhythm {rhythms_over(rhythm, a, b)} ref ctx [{ctx(rb, a-1, b+1)}] nonbeat {''.join(other.sym[(other.t>=a-1)&(other.t<b+1)])}")
P('-- brady/tachy', d['bradycardia'], d['tachycardia'])
for _, row in ev[ev.type.isin(['bradycardia', 'tachycardia'])].iterrows():
    P(f"  {row.type} {row.start_s:.1f}-{row.end_s:.1f} rate {row.rate_bpm:.0f}: ref rhythm {rhythms_over(rhythm, row.start_s, row.end_s)}")
P('-- hrv', d['hrv'], d['hrt'])
