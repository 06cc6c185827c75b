import sys; sys.path[:0]=['bench','.']
from pathlib import Path
import pandas as pd
from report_validation import validate_record, read_as
from heartbeat.database import ALL_RECORDS, record_names
m=read_as('models/recording.pt')
for db in (Path('../shared/data/mitdb'), Path('../shared/data/svdb')):
    names = ALL_RECORDS if db.name=='mitdb' else record_names(db)
    for n in names:
        r=validate_record(m, db/str(n))
        for k in ('min_bpm','max_bpm'):
            a,b=r[f'heart_rate|{k}|ref'], r[f'heart_rate|{k}|pred']
            if a is not None and b is not None and abs(a-b)>3: print(db.name,n,k,'ref',a,'pred',b,flush=True)
