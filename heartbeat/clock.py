"""Wall-clock time: when a recording began, as --start, a WFDB header or a diary gives it, and the time of day
`seconds` into it, as the report writes it."""
import datetime as dt

from . import UserError


def parse_moment(text):
    """"HH:MM[:SS]" (a time of day) or "YYYY-MM-DD HH:MM[:SS]" -> a time or a datetime; None if it is neither."""
    dated = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S")
    for kind, formats in ((dt.time, ("%H:%M", "%H:%M:%S")), (dt.datetime, dated)):
        for f in formats:
            try:
                moment = dt.datetime.strptime(text.strip(), f)
            except ValueError:
                continue
            return moment.time() if kind is dt.time else moment
    return None


def parse_start(text):
    """report.py --start: a time of day or a date and time (parse_moment)."""
    moment = parse_moment(text)
    if moment is None:
        raise UserError(f"--start {text!r}: expected HH:MM[:SS] or YYYY-MM-DD HH:MM[:SS]")
    return moment


def clock(start, seconds):
    """The wall-clock time `seconds` into a recording that began at `start` (Recording.start): ISO date and time
    when its date is known, else "HH:MM:SS" with "day N " from the second day on; None when start is."""
    if start is None:
        return None
    if isinstance(start, dt.datetime):
        return (start + dt.timedelta(seconds=round(seconds))).isoformat(sep=" ")
    day, of_day = divmod(start.hour * 3600 + start.minute * 60 + start.second + round(seconds), 86400)
    return f"{f'day {day + 1} ' if day else ''}{of_day // 3600:02d}:{of_day % 3600 // 60:02d}:{of_day % 60:02d}"
