"""The detector's learned check (heartbeat/verify.py): what it reads, and on a real record, that it keeps the
beats of clean signal and drops much of what electrode-motion noise adds. Record 100 is not one of the
check's training records (bench/train_verifier.py; it is one of the records its threshold was chosen on), and
the noise comes from `em` minutes the training never used."""
import numpy as np

from conftest import MITDB, NSTDB, needs_mitdb, needs_nstdb
from heartbeat.detect import detect_r_peaks
from heartbeat.verify import WIDTH, windows


def test_windows_read_two_seconds_of_the_band_at_180_hz_whatever_the_rate():
    """At 360 Hz a window is every second sample within 1 s of the detection (zeros past the ends), scaled;
    a band sampled at 720 Hz gives the same window."""
    t360, t720 = np.arange(3600) / 360, np.arange(7200) / 720
    band360, band720 = np.sin(2 * np.pi * 1.3 * t360) + t360 / 10, np.sin(2 * np.pi * 1.3 * t720) + t720 / 10
    peaks = np.array([100, 1800, 3550])
    w = windows(band360, 360, peaks)
    assert w.shape == (3, WIDTH) == (3, 360)
    padded = np.pad(band360, 360)
    for k, p in enumerate(peaks):
        raw = padded[p:p + 720:2]
        assert np.allclose(w[k] * np.percentile(np.abs(raw), 95), raw, atol=1e-5)
    assert (w[0, :130] == 0).all() and (w[2, -155:] == 0).all() and w[2, -156] != 0  # before the start, after the end
    assert np.allclose(windows(band720, 720, 2 * peaks), w, atol=1e-5)


SCALE = 0.35  # noise RMS over the first 10 s's peak-to-peak


def _counts(ref, det, tol=54):
    """(true, false) detections: within 150 ms of a reference beat or not."""
    at = np.clip(np.searchsorted(ref, det), 1, len(ref) - 1)
    near = np.minimum(np.abs(det - ref[at - 1]), np.abs(det - ref[at])) <= tol
    return int(near.sum()), int((~near).sum())


@needs_mitdb
@needs_nstdb
def test_the_check_drops_noise_detections_and_keeps_beats_on_a_record_it_never_saw():
    import wfdb

    from heartbeat.sources import read_wfdb

    rec = read_wfdb(MITDB / "100", 0)
    fs, n = 360, 10 * 60 * 360
    sig, ref = rec.signal[:n], rec.ref_samples[rec.ref_samples < n]
    clean_checked, clean_all = detect_r_peaks(sig, fs), detect_r_peaks(sig, fs, verify=False)
    assert _counts(ref, clean_checked) == _counts(ref, clean_all)  # clean signal: nothing dropped
    # electrode motion over the last 4 minutes: em's minutes 5-7 and 9-11 (the stress test's, not the training's),
    # joined without a step
    em = wfdb.rdrecord(str(NSTDB / "em"), channels=[0], sampto=11 * 60 * fs).p_signal[:, 0]
    first, second = em[5 * 60 * fs:7 * 60 * fs], em[9 * 60 * fs:11 * 60 * fs]
    noise = np.r_[first - first[0], second - second[0] + first[-1] - first[0]]
    noisy = sig.copy()
    noisy[n - len(noise):] += noise * (SCALE * np.ptp(sig[:fs * 10]) / noise.std())
    tp_all, fp_all = _counts(ref, detect_r_peaks(noisy, fs, verify=False))
    tp, fp = _counts(ref, detect_r_peaks(noisy, fs))
    assert fp_all > 100                              # the noise fools the energy detector (113 false) ...
    assert fp < 0.5 * fp_all and tp > 0.98 * tp_all  # ... the check drops 76 of them and 5 of 762 beats
