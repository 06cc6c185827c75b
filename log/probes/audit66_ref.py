import json, sys, numpy as np, pandas as pd, wfdb
BEAT = {**{c: 'N' for c in 'NLRej'}, **{c: 'S' for c in 'AaJS'}, **{c: 'V' for c in 'VE'}, 'F': 'F', **{c: 'Q' for c in '/fQ'}}
def path(rec):
    return f"/work/shared/data/{'svdb' if rec.startswith('8') else 'mitdb'}/{rec}"
def load_ref(rec):
    a = wfdb.rdann(path(rec), 'atr')
    fs = a.fs or (128 if rec.startswith('8') else 360)
    t = np.asarray(a.sample)/fs
    sym = np.array(a.symbol)
    aux = np.array(a.aux_note)
    isb = np.array([s in BEAT for s in sym])
    beats = pd.DataFrame({'t': t[isb], 'sym': sym[isb], 'cls': [BEAT[s] for s in sym[isb]]})
    # rhythm intervals
    rh = [(t[i], aux[i].strip('\x00')) for i in range(len(t)) if aux[i].startswith('(')]
    end = t[-1]+1
    rhythm = [(a_, (rh[i+1][0] if i+1 < len(rh) else 1e9), r) for i, (a_, r) in enumerate(rh)]
    other = pd.DataFrame({'t': t[~isb], 'sym': sym[~isb], 'aux': aux[~isb]})
    return beats, rhythm, other, fs
def rhythm_at(rhythm, x):
    return [r for a, b, r in rhythm if a <= x < b]
def rhythms_over(rhythm, lo, hi):
    return sorted({r for a, b, r in rhythm if a < hi and b > lo})
def ctx(beats, lo, hi):
    m = (beats.t >= lo) & (beats.t <= hi)
    return ''.join(beats.sym[m])
def hr8(beats):
    t = beats.t.to_numpy(); rr = np.diff(t)
    r = pd.Series(rr).rolling(8).mean().to_numpy()
    return t[1:], 60/r
