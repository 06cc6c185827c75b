"""Per record: V-run keys of report_validation.validate_record (lead 0 or --both-leads), for records with close pairs.
Run with PYTHONPATH set to the code to read (e.g. /work/before-refr:/work/before-refr/bench or .:bench)."""
import sys
from pathlib import Path
from report_validation import read_as, validate_record
both = "--both-leads" in sys.argv
m = read_as("models/recording.pt")
for db, names in (("mitdb", "104 105 108 203 207 208 210 222"), ("svdb", "821 843 845 851 857 865 867 877 885")):
    for n in names.split():
        r = validate_record(m, Path("../shared/data") / db / n, both)
        print(db, n, {k.split("|", 1)[1]: v for k, v in r.items() if k.startswith("V run|")}, flush=True)
