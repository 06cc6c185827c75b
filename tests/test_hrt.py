"""Heart-rate turbulence (heartbeat/hrt.py): a known tachogram gives its TO and TS exactly; V beats the consensus
leaves out are left out; a real record's V beats give plausible values."""
import numpy as np
import pytest

from conftest import MITDB, needs_mitdb
from heartbeat.events import Beats
from heartbeat.hrt import MIN_VPCS, category, turbulence
from heartbeat.sources import read_wfdb

AFTER = 0.76 + 0.008 * np.maximum(np.arange(15) - 1, 0)  # two fast intervals (TO -5%), then 8 ms slower each


def sequence(vpcs, coupling=0.5, pause=1.1, couplet=False):
    """Sinus rhythm at 0.8 s with `vpcs` V beats 27 beats apart, each followed by the tachogram AFTER."""
    rr, classes = [], ["N"]  # rr[j] ends at beat j + 1
    for _ in range(vpcs):
        rr += [0.8] * 10 + [coupling] * (2 if couplet else 1) + [pause] + list(AFTER)
        classes += ["N"] * 10 + ["V"] * (2 if couplet else 1) + ["N"] * 16
    rr += [0.8] * 10
    classes += ["N"] * 10
    times = np.r_[0, np.cumsum(rr)]
    return Beats(times, np.array(classes), np.zeros(len(times), dtype=np.int64))


def test_a_known_tachogram_gives_its_onset_and_slope():
    out = turbulence(sequence(8))
    assert out == {"vpcs": 8, "to_pct": pytest.approx(-5.0), "ts_ms_per_rr": pytest.approx(8.0)}
    assert category(out["to_pct"], out["ts_ms_per_rr"]) == 0  # both normal
    assert list(category([-5.0, 0.0, 1.0], [8.0, 8.0, 2.5])) == [0, 1, 2]  # TO >= 0% and TS <= 2.5 are abnormal


@pytest.mark.parametrize("kwargs", [{"couplet": True},       # not isolated
                                    {"coupling": 0.7},       # 12.5% early: not premature enough
                                    {"pause": 0.9}])         # no compensatory pause
def test_beats_the_consensus_leaves_out(kwargs):
    assert turbulence(sequence(8, **kwargs)) == {"vpcs": 0, "to_pct": None, "ts_ms_per_rr": None}


def test_too_few_vpcs_give_none():
    out = turbulence(sequence(MIN_VPCS - 1))
    assert out["vpcs"] == MIN_VPCS - 1 and out["to_pct"] is None and out["ts_ms_per_rr"] is None


def test_a_gap_leaves_the_vpc_out():
    b = sequence(8)
    first_v = int(np.flatnonzero(b.classes == "V")[0])
    b.segment[first_v + 5:] += 1  # excluded time inside its tachogram
    assert turbulence(b)["vpcs"] == 7


@needs_mitdb
def test_real_vpcs_give_plausible_values():
    rec = read_wfdb(MITDB / "116")  # 109 V beats, most of them isolated in sinus rhythm
    classes = np.array(["N", "S", "V", "F", "Q"])[rec.ref_labels]
    out = turbulence(Beats(rec.ref_samples / rec.fs, classes, np.zeros(len(classes), dtype=np.int64)))
    assert MIN_VPCS <= out["vpcs"] <= (classes == "V").sum()
    assert -20 < out["to_pct"] < 20 and 0 < out["ts_ms_per_rr"] < 50
