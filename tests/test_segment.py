"""The Kaggle rule on small synthetic input with answers worked out by hand."""
import numpy as np
import pytest

from heartbeat import segment
from heartbeat.database import AAMI_LABEL, aami_labels


def test_aami_mapping():
    groups = {"N": "NLRBejn", "S": "AaJS", "V": "VEr", "F": "F", "Q": "/fQ"}
    for label, (name, symbols) in enumerate(groups.items()):
        assert all(AAMI_LABEL[s] == label for s in symbols), name
    assert len(AAMI_LABEL) == 18
    assert aami_labels(["+", "N", "~", "V", "|", "/", '"', "x"]).tolist() == [-1, 0, -1, 2, -1, 4, -1, -1]


def test_segment_end_is_next_plus_a_fifth_of_the_following_interval():
    anchors = np.array([100, 400, 712])
    # 400 + floor(0.2 * 312) = 400 + 62
    assert segment.kaggle_segment_end(anchors, 0) == 462
    # no anchor after the next one: the interval before it stands in (0.2 * 312 -> 62)
    assert segment.kaggle_segment_end(anchors, 1) == 712 + 62


def test_every_third_sample_and_exact_minmax():
    sig = np.arange(1000) % 7  # values 0..6
    anchors = np.array([0, 30, 60])
    beat = segment.kaggle_beats(sig, anchors, [0])[0]
    seg = sig[0:36:3]  # end 30 + floor(0.2 * 30) = 36 -> 12 samples
    assert np.array_equal(beat[:12], ((seg - seg.min()) / (seg.max() - seg.min())).astype(np.float32))
    assert beat[:12].min() == 0.0 and beat[:12].max() == 1.0
    assert not beat[12:].any()  # zero-padded


def test_long_segment_keeps_the_first_187_values():
    sig = np.arange(2000, dtype=np.int64)  # a ramp: the scaled beat is linear
    anchors = np.array([0, 900, 1000])
    beat = segment.kaggle_beats(sig, anchors, [0])[0]
    n = len(range(0, 900 + 20, 3))  # 307 samples before truncation
    assert beat.shape == (187,) and beat.dtype == np.float32
    assert np.allclose(beat, np.arange(187) * 3 / (3 * (n - 1)), atol=1e-7)


def test_flat_segment_becomes_zeros():
    beat = segment.kaggle_beats(np.full(500, 5), np.array([0, 100, 200]), [0])[0]
    assert not beat.any()


def test_beat_index_skips_non_beats_and_the_last_annotation():
    labels = np.array([-1, 0, 0, -1, 2, 0])  # the last annotation is a beat with no successor
    assert segment.kaggle_beat_index(labels).tolist() == [1, 2, 4]
    with pytest.raises(ValueError, match="last anchor"):
        segment.kaggle_beats(np.zeros(100), np.array([10, 50]), [1])


def test_resample_changes_rate_and_length():
    sig = np.sin(np.linspace(0, 20 * np.pi, 3600))
    out, fs = segment.resample(sig, 360, 125)
    assert fs == 125 and len(out) == 1250
    # the same sine read at the new rate's times (away from the ends, where the filter sees zeros past the signal)
    expected = np.sin(np.arange(1250) * (360 / 125) * (20 * np.pi / 3599))
    assert np.abs(out - expected)[50:-50].max() < 0.01
