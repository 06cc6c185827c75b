"""bench/report_validation.py with the pipeline's VFV step (recording.no_f_between_v) switched off: what the report
reads without it.   python log/probes/rv_off.py ARGS   (ARGS as bench/report_validation.py's; from the repo root)"""
import runpy
import sys

import heartbeat.recording as recording

recording.no_f_between_v = lambda table: table
sys.argv = ["bench/report_validation.py"] + sys.argv[1:]
sys.path.insert(0, "bench")
runpy.run_path("bench/report_validation.py", run_name="__main__")
