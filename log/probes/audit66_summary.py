import json, sys, numpy as np, pandas as pd
sys.path.insert(0, '/work/audit66/aud')
from audit66_ref import *  # the helper ran these from its clone as aud/{audit,summary,ref}.py
recs = '105 108 109 118 202 203 209 215 219 222 223 230 232 821 825 857 867 877 887'.split()
for rec in recs:
    d = json.load(open(f'/work/audit66/out/{rec}/report.json'))
    ev = pd.read_csv(f'/work/audit66/out/{rec}/events.csv')
    rb, rhythm, other, fs = load_ref(rec)
    t = rb.t.to_numpy()
    rt, rhr = hr8(rb)
    hr = d['heart_rate']
    out = [rec]
    j = np.argmin(abs(rt - hr['max_at_s'])); out.append(f"max {hr['max_bpm']}@{hr['max_at_s']:.0f} ref-there {rhr[j]:.1f} refmax {np.nanmax(rhr):.1f}")
    j = np.argmin(abs(rt - hr['min_at_s'])); out.append(f"min {hr['min_bpm']}@{hr['min_at_s']:.0f} ref-there {rhr[j]:.1f} refmin {np.nanmin(rhr):.1f}")
    # V runs
    vr = ev[ev.type == 'V run']
    fake = [(round(r.start_s,1), r.beats, round(r.rate_bpm)) for r in vr.itertuples()
            if ((rb.t >= r.start_s - 0.1) & (rb.t <= r.end_s + 0.1) & (rb.cls == 'V')).sum() < 2]
    out.append(f"Vruns {len(vr)} with <2 ref V: {len(fake)} {fake[:4]}")
    # S runs in ref AF/AFL
    sr = ev[ev.type == 'S run']
    af = [(a, b) for a, b, r in rhythm if r in ('(AFIB', '(AFL')]
    inaf = sum(any(a <= r.start_s < b for a, b in af) for r in sr.itertuples())
    sfake = sum(((rb.t >= r.start_s - 0.1) & (rb.t <= r.end_s + 0.1) & (rb.cls == 'S')).sum() < 2 for r in sr.itertuples())
    out.append(f"Sruns {len(sr)} in-refAF {inaf} with<2refS {sfake}")
    # implausible
    fast = ev[ev.type.str.contains('couplet|run') & (ev.rate_bpm > 250)]
    out.append(f"couplets/runs >250bpm: {len(fast)}")
    # artifacts
    arts = [e for e in d['excluded'] if e['reason'] == 'artifact']
    real = [e['start_s'] for e in arts if ((t > e['start_s'] + 0.15) & (t < e['end_s'] - 0.15)).sum() == 0]
    out.append(f"artifact {len(arts)}, of which no ref beat inside (real interval): {len(real)} {real}")
    ex = {}
    for e in d['excluded']: ex[e['reason']] = ex.get(e['reason'], 0) + e['end_s'] - e['start_s']
    out.append(f"excluded {ex}")
    # ref pauses
    rr = np.diff(t); rp = np.flatnonzero(rr >= 2.0)
    got = sum(any(abs(p['start_s'] - t[k]) < 0.3 for p in d['pauses']) for k in rp)
    out.append(f"pauses rep {len(d['pauses'])} ref {len(rp)} matched {got}")
    # AF
    if af:
        dur = d['duration_s']
        grid = np.arange(0, dur, 0.5)
        refm = np.zeros(len(grid), bool)
        for a, b in af: refm |= (grid >= a) & (grid < b)
        pm = np.zeros(len(grid), bool)
        for r in ev[ev.type == 'AF'].itertuples(): pm |= (grid >= r.start_s) & (grid < r.end_s)
        out.append(f"AF s: ref {refm.sum()/2:.0f} rep {pm.sum()/2:.0f} Se {(refm&pm).sum()/max(refm.sum(),1):.2f} PPV {(refm&pm).sum()/max(pm.sum(),1):.2f}")
    else:
        out.append(f"AF rep {d['atrial_fibrillation']['total_s']} s (ref none/unknown)")
    out.append(f"tachy {d['tachycardia']['total_s']} brady {d['bradycardia']['total_s']} flutter {d['flutter']} warn {len(d['warnings'])}")
    print('\n   '.join(out))
