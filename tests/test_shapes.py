"""Beats of one shape share their ventricular probabilities: the rule on small synthetic sets, then on a real record."""
from dataclasses import replace

import numpy as np
import pytest

from conftest import MITDB, ROOT, needs_mitdb
from heartbeat import CLASSES
from heartbeat.checkpoint import load_checkpoint
from heartbeat.recording import classify_recording, reference_agreement
from heartbeat.sources import read_wfdb
from heartbeat.shapes import SHAPE_SAMPLES, share_by_shape, shape_vectors

N, S, V = (CLASSES.index(c) for c in "NSV")


def beats_like(shape, count, rng, noise=0.01):
    return shape[None, :] + noise * rng.standard_normal((count, len(shape)))


def proba(rows):
    p = np.asarray(rows, dtype=np.float32)
    return p / p.sum(1, keepdims=True)


@pytest.fixture
def recording():
    """80 beats of a usual shape (N; one called V, one S) and 6 of a wide ectopic shape (V; one called N)."""
    rng = np.random.default_rng(0)
    t = np.linspace(0, 1, SHAPE_SAMPLES)
    usual, wide = np.exp(-((t - 0.1) / 0.03) ** 2), -np.exp(-((t - 0.2) / 0.12) ** 2)
    shapes = np.concatenate([beats_like(usual, 80, rng), beats_like(wide, 6, rng)]).astype(np.float32)
    p = proba([[0.9, 0.05, 0.03, 0.01, 0.01]] * 80 + [[0.05, 0.02, 0.9, 0.02, 0.01]] * 6)
    p[3] = proba([[0.2, 0.1, 0.65, 0.04, 0.01]])[0]   # a usual beat called V
    p[7] = proba([[0.3, 0.65, 0.03, 0.01, 0.01]])[0]  # a usual beat called S (early: its timing says so)
    p[83] = proba([[0.6, 0.05, 0.3, 0.04, 0.01]])[0]  # an ectopic beat called N
    return p, shapes


def test_a_beat_follows_the_ventricular_call_of_its_look_alikes(recording):
    p, shapes = recording
    q = share_by_shape(p, shapes)
    assert p[3].argmax() == V and q[3].argmax() == N
    assert p[83].argmax() == N and q[83].argmax() == V
    assert (q[84:].argmax(1) == V).all() and (q[:80][np.arange(80) != 7].argmax(1) == N).all()
    np.testing.assert_allclose(q.sum(1), 1, atol=1e-5)


def test_the_split_between_n_and_s_stays_the_beats_own(recording):
    """N and S beats share a shape: only V, F and Q are shared, so an early beat stays S."""
    p, shapes = recording
    q = share_by_shape(p, shapes)
    assert q[7].argmax() == S
    np.testing.assert_allclose(q[:, S] / (q[:, N] + q[:, S]), p[:, S] / (p[:, N] + p[:, S]), rtol=1e-4)


def test_a_beat_unlike_any_other_keeps_its_own_probabilities(recording):
    p, shapes = recording
    odd = np.full((1, SHAPE_SAMPLES), 3.0, dtype=np.float32)
    p_odd = proba([[0.1, 0.05, 0.8, 0.04, 0.01]])
    q = share_by_shape(np.concatenate([p, p_odd]), np.concatenate([shapes, odd]))
    np.testing.assert_allclose(q[-1], p_odd[0], atol=1e-4)


def test_a_set_smaller_than_a_neighbourhood_keeps_its_probabilities():
    """Three beats of different shapes have no typical distance to call one of them near: nothing is shared."""
    p = proba([[0.2, 0.1, 0.6, 0.05, 0.05], [0.9, 0.05, 0.03, 0.01, 0.01], [0.9, 0.05, 0.03, 0.01, 0.01]])
    shapes = np.stack([np.full(SHAPE_SAMPLES, v, dtype=np.float32) for v in (0.0, 1.0, 2.0)])
    np.testing.assert_allclose(share_by_shape(p, shapes), p, atol=1e-6)


def test_exact_twins_share_when_most_beats_have_one():
    """A tiled signal: every usual beat has exact twins, so the median nearest distance is 0. Twins share (a
    twin called V follows the others), a beat of another shape keeps its own probabilities."""
    shapes = np.zeros((20, SHAPE_SAMPLES), dtype=np.float32)
    shapes[-1] = 1.0
    p = proba([[0.8, 0.1, 0.05, 0.03, 0.02]] * 19 + [[0.1, 0.05, 0.8, 0.03, 0.02]])
    p[4] = proba([[0.2, 0.1, 0.6, 0.05, 0.05]])[0]
    q = share_by_shape(p, shapes)
    assert np.isfinite(q).all() and q[4].argmax() == N
    np.testing.assert_allclose(q[-1], p[-1], atol=1e-6)


def test_shape_vectors_take_the_head_of_each_lead():
    a, b = np.ones((4, 187)), 2 * np.ones((4, 187))
    x = shape_vectors(a, b)
    assert x.shape == (4, 2 * SHAPE_SAMPLES) and x.dtype == np.float32
    assert (x[:, :SHAPE_SAMPLES] == 1).all() and (x[:, SHAPE_SAMPLES:] == 2).all()


@needs_mitdb
def test_sharing_removes_false_v_calls_on_a_real_record(monkeypatch):
    """MIT-BIH 203 (multiform V beats and noise), read by the shipped recording model: beats of one shape
    sharing their V probabilities call fewer normal beats V and find no fewer V beats."""
    model = load_checkpoint(ROOT / "models" / "recording.pt")[0]
    whole = read_wfdb(MITDB / "203")
    rec = replace(whole, signal=np.asarray(whole.signal[:10 * 60 * 360], dtype=np.float64))

    def v_counts(table):
        agree = reference_agreement(table, rec)
        y, pred = agree["y_true"], agree["y_pred"]
        return ((y == V) & (pred == V)).sum(), ((y != V) & (pred == V)).sum()

    shared = v_counts(classify_recording(model, replace(rec)))
    monkeypatch.setattr("heartbeat.recording.share_by_shape", lambda p, shapes: p)
    alone = v_counts(classify_recording(model, replace(rec)))
    assert shared[1] < alone[1] and shared[0] >= alone[0]


@needs_mitdb
def test_beats_of_noisy_stretches_take_no_part(monkeypatch):
    """MIT-BIH 105 has stretches too noisy to read: their beats are dropped from the table, and they must not
    lend their probabilities to anyone either, so exactly the table's beats are shared."""
    import heartbeat.recording as recording
    shared = []
    monkeypatch.setattr(recording, "share_by_shape", lambda p, shapes: shared.append(len(p)) or share_by_shape(p, shapes))
    rec = read_wfdb(MITDB / "105")
    table = classify_recording(load_checkpoint(ROOT / "models" / "recording.pt")[0], rec)
    assert any(e.reason == "noise" for e in rec.excluded)
    assert sum(shared) == len(table)
