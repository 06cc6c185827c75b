"""Rules the pipeline applies to the classes after the model, each adopted by a rule written first: no beat inside
atrial fibrillation is S, and no beat between two V beats is F. The model's probabilities stay as they are."""
import numpy as np

from . import CLASSES, pwave
from .events import Beats, Rules, af_stretches, nn_index


def no_s_in_af(table, signal, fs):
    """The beats table with column af (inside an atrial fibrillation episode of events.af_stretches, 30 s or
    more, whose P-wave coherence on `signal` at `fs` Hz, the lead read, is under pwave.COHERENT) after segment,
    and the beats called S there called N (class, class_index; the model's probabilities stay as they are). In
    fibrillation the atria do not beat, so no beat is atrial premature; irregular R-R intervals only make normal
    beats look early. Adopted by a rule on validation patients (docs/cross-database-log.md, "No S beat inside
    atrial fibrillation"); the P waves by a rule on the AF detection (log/pwave-af-rule.txt): frequent premature
    beats make sinus rhythm irregular too, but a P wave comes before each of its conducted beats. The report
    reads its AF episodes from this column, so no S beat lies inside one."""
    af, beats, samples = np.zeros(len(table), dtype=bool), Beats.from_table(table), table["sample"].to_numpy()
    after_n = np.zeros(len(table), dtype=bool)
    after_n[nn_index(beats) + 1] = True  # the beats that end an N-N interval
    for first, last in af_stretches(beats, Rules()):
        if not pwave.coherence(signal, fs, samples[first:last + 1][after_n[first:last + 1]]) >= pwave.COHERENT:
            af[first:last + 1] = True  # NaN (too few N-N beats to tell) stays AF, as before
    s_in_af = af & (table["class"].to_numpy() == "S")
    table.loc[s_in_af, ["class", "class_index"]] = ["N", CLASSES.index("N")]
    table.insert(3, "af", af)
    return table


def no_f_between_v(table):
    """The beats table with every beat called F whose previous and next beats of its segment are called V called V
    (class, class_index; the model's probabilities stay as they are), in one pass on the classes before it. A
    fusion beat is a sinus beat meeting a ventricular one, and two ventricular beats around it leave it none: the
    reference annotations hold 2 such F beats against 401 V on MIT-BIH and none against 149 on SVDB. The model,
    which reads a beat mostly by its timing, calls every other beat of some V runs F. Adopted by a rule on
    validation patients (docs/holter-report.md, "An F beat between two V beats")."""
    cls, segment = table["class"].to_numpy(), table["segment"].to_numpy()
    same = segment[1:-1]
    between = np.zeros(len(table), dtype=bool)
    between[1:-1] = ((cls[1:-1] == "F") & (cls[:-2] == "V") & (cls[2:] == "V")
                     & (segment[:-2] == same) & (segment[2:] == same))
    table.loc[between, ["class", "class_index"]] = ["V", CLASSES.index("V")]
    return table
