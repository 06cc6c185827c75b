"""Wall time and peak memory of one process, as /usr/bin/time -v reports them (the bench scripts' shared measure)."""
import re
import subprocess
import sys


def time_process(cmd, cwd=None, what="the command"):
    """(wall seconds, peak RSS in MB, the process's stdout) of running `cmd` (a list) under /usr/bin/time -v; exits
    with its error output when it fails."""
    proc = subprocess.run(["/usr/bin/time", "-v", *map(str, cmd)], capture_output=True, text=True, cwd=cwd)
    if proc.returncode != 0:
        sys.exit(f"{what} failed:\n{proc.stderr[-2000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", proc.stderr)
    hours, minutes, seconds = (float(x) if x else 0.0 for x in wall.groups())
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))
    return 3600 * hours + 60 * minutes + seconds, rss_kb / 1024, proc.stdout
