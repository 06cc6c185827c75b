"""DIFF screen (log/diff-rule.txt): the first conv sees only the beat minus its template. Grouped fold K with seed K:
trains on the cached run's training patients (the same split), reads its validation patients as recordings on both
leads as screen_read.py does.
    python log/probes/diff_screen.py K"""
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
from torch import nn

sys.path.insert(0, "bench")
from cross_db import Pool, run, scenarios  # noqa: E402
from review_adapt import decision_number, matched_labels, read  # noqa: E402

from heartbeat import training  # noqa: E402
from heartbeat.checkpoint import CheckpointError, read_checkpoint  # noqa: E402
from heartbeat.config import load_config  # noqa: E402
from heartbeat.labelled import LabelledBeats  # noqa: E402
from heartbeat.model import BeatNet  # noqa: E402
from heartbeat.recording import classify_recording  # noqa: E402


class DiffNet(BeatNet):
    """BeatNet whose stem sees one channel: the beat minus its template."""

    def __init__(self, **model_args):
        super().__init__(**model_args)
        self.stem = nn.Conv1d(1, self.config.channels, self.config.kernel_size, padding="same")

    def _morphology(self, beats, template):  # (B, 1, 187) each
        x = self.stem(beats - template)  # (B, 32, 187)
        for block in self.blocks:
            x = block(x)
        return x.flatten(1)  # (B, 64)


def load_diff(path):
    ckpt = read_checkpoint(path)
    model = DiffNet(**ckpt["model_args"])
    model.load_state_dict(ckpt["model_state"])
    return model.eval()


k = int(sys.argv[1])
recipe = load_config("config/recording.json")
pools = {(db, lead): Pool(Path("data") / (f"{db}.csv" if lead == 0 else f"{db}_lead{lead}.csv"), recipe.model.inputs)
         for db in ("mitdb", "svdb") for lead in (0, 1)}
train_records, _ = scenarios(list(dict.fromkeys(pools["svdb", 0].records)), ["grouped"])["grouped"][k]
parts = [(db, lead, *pools[db, lead].of(recs)) for db, recs in train_records.items() for lead in (0, 1)]
train = LabelledBeats.concatenate([beats for _, _, beats, _ in parts])
patients = np.concatenate([np.char.add(f"{db}/", records) for db, _, _, records in parts])
first_lead = np.concatenate([np.full(len(r), lead == 0) for _, lead, _, r in parts])
del pools, parts
training.BeatNet = DiffNet
run_dir = Path("log/cross-db/diff") / f"grouped-fold{k}-seed{k}"
try:  # trains (or reuses) the DiffNet run; its loading as a BeatNet fails, load_diff reads it
    run(recipe, k, "grouped", train, patients, first_lead, run_dir, print)
except CheckpointError:
    pass
trained = load_diff(run_dir / "best.pt")
_, val_patients, _ = run(recipe, k, "grouped", train, patients, first_lead,
                         Path("log/cross-db/recording-leads01") / f"grouped-fold{k}-seed{k}", print)
print(f"run {k}: best epoch {read_checkpoint(run_dir / 'best.pt')['epoch']}; validation patients {list(val_patients)}")
del train
scored = []
for patient in val_patients:
    db, record = patient.split("/", 1)
    rec = read(Path("../shared/data") / db / record)
    table = classify_recording(trained, rec)
    _, match = matched_labels(table, rec)
    keep = match >= 0
    y, pred = rec.ref_labels[:-1][keep], table["class_index"].to_numpy()[match[keep]]
    scored.append((db, y, pred))
    print(f"run {k} {patient}: beats {keep.sum()}, wrong {(y != pred).sum()}", flush=True)
for db in ("mitdb", "svdb"):
    y, pred = (np.concatenate([p[i] for p in scored if p[0] == db]) for i in (1, 2))
    se = [((pred == c) & (y == c)).sum() / max((y == c).sum(), 1) for c in (1, 2)]
    pp = [((pred == c) & (y == c)).sum() / max((pred == c).sum(), 1) for c in (1, 2)]
    print(f"diff {db}: S {se[0]:.3f} / {pp[0]:.3f}, V {se[1]:.3f} / {pp[1]:.3f}")
print(f"run {k}: D diff {decision_number(scored):.4f}")
