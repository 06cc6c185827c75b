"""train.lead_mix: training beats seen by virtual leads, combinations of the same beat's two recorded leads."""
import json

import numpy as np
import pytest
import torch

from conftest import MITDB, ROOT, needs_mitdb, quiet, run_script
from heartbeat import template
from heartbeat.augment import VirtualLeads
from heartbeat.config import ConfigError, load_config
from heartbeat.labelled import LabelledBeats, load_split
from heartbeat.model import BeatInputs
from heartbeat.training import fit


@pytest.fixture(scope="module")
def two_lead_csvs(tmp_path_factory):
    """Record 208 (N, V, F beats) on MLII and V1, as prepare_data.py --leads 0 1 writes them."""
    if not (MITDB / "208.hea").exists():
        pytest.skip(f"MIT-BIH records not found in {MITDB}")
    folder = tmp_path_factory.mktemp("db")
    for suffix in (".hea", ".dat", ".atr"):
        (folder / f"208{suffix}").symlink_to(MITDB / f"208{suffix}")
    out = folder / "out"
    done = run_script("prepare_data.py", "--db", folder, "--leads", "0", "1", "--out", out, "--workers", "1")
    assert done.returncode == 0, done.stderr
    return out / f"{folder.name}.csv", out / f"{folder.name}_lead1.csv"


def config(csvs, *sets):
    return load_config(ROOT / "config" / "recording.json",
                       [f"data.train_csv={json.dumps(list(map(str, csvs)))}", "data.cache=false", "train.lead_mix=true",
                        "train.noise=null", "train.epochs=1", "train.batch_size=64", "train.max_batches=3",
                        "train.threads=1", *sets])


def test_partners_follow_the_beats_through_take_and_concatenate():
    """Rows with the same beat id are partners; a partner left out by take() is none; concatenate keeps each
    part's partners within it."""
    beats = LabelledBeats(BeatInputs(np.zeros((5, 187), np.float32)), np.arange(5))
    paired = beats.with_partners(np.array(["a/1", "a/2", "b/1", "a/1", "a/2"]))
    assert paired.partner.tolist() == [3, 4, -1, 0, 1]
    taken = paired.take([4, 0, 3])
    assert taken.y.tolist() == [4, 0, 3] and taken.partner.tolist() == [-1, 2, 1]
    both = LabelledBeats.concatenate([taken, beats.take([1])])
    assert both.partner.tolist() == [-1, 2, 1, -1]


@needs_mitdb
def test_training_pairs_the_two_leads_rows_of_each_beat(two_lead_csvs):
    train, val = load_split(config(two_lead_csvs, "data.val_fraction=0"))
    n = len(train.y) // 2
    assert len(val.y) == 0 and n > 2000
    assert np.array_equal(train.partner, np.r_[np.arange(n) + n, np.arange(n)])
    assert np.array_equal(train.y[:n], train.y[n:])  # both leads carry the beat's one label
    assert not np.array_equal(train.inputs.beats[:n], train.inputs.beats[n:])


@needs_mitdb
def test_a_virtual_lead_is_a_combination_of_the_two_leads_scaled_as_a_cut_beat(two_lead_csvs):
    train, _ = load_split(config(two_lead_csvs, "data.val_fraction=0"))
    spec = config(two_lead_csvs).model.inputs
    n = len(train.y) // 2
    lone = train.take(np.r_[np.arange(n), np.arange(n, 2 * n, 2)])  # half the lead-0 beats lose their partner
    inputs = lone.inputs.as_tensors()
    idx = torch.arange(0, n, 7)
    batch = {k: v[idx] for k, v in inputs.items()}
    out = VirtualLeads(inputs, lone.partner, spec.feature_names)(batch, idx, torch.Generator().manual_seed(1))
    changed = (out["beats"] != batch["beats"]).any(2)[:, 0]
    has_partner = torch.as_tensor(lone.partner)[idx] >= 0
    assert not changed[~has_partner].any()
    assert 0.3 < changed[has_partner].float().mean() < 0.7  # chance 1/2
    for row in torch.nonzero(changed)[:20, 0]:
        mine, its = batch["beats"][row, 0], inputs["beats"][lone.partner[idx[row]], 0]
        valid = mine != 0
        valid[:int(torch.nonzero(valid)[-1]) + 1] = True  # the segment, without the zero padding
        new = out["beats"][row, 0]
        assert new[valid].min() == 0 and new[valid].max() == 1 and (new[~valid] == 0).all()
        # in the span of the two leads and a constant (the min-max scaling)
        basis = torch.stack([mine[valid], its[valid], torch.ones(int(valid.sum()))], 1).double()
        fit_ = torch.linalg.lstsq(basis, new[valid].double()[:, None]).solution
        assert (basis @ fit_ - new[valid].double()[:, None]).abs().max() < 1e-4
        # the template features are those of the new beat against its new template
        head, median = new[:template.WINDOW].double(), out["template"][row, 0, :template.WINDOW].double()
        corr = np.corrcoef(head, median)[0, 1]
        rmse = float(((head - median) ** 2).mean().sqrt())
        np.testing.assert_allclose(out["features"][row, -2:].double().numpy(), [corr, rmse], atol=1e-4)
    assert torch.equal(out["features"][~changed], batch["features"][~changed])
    assert torch.equal(out["features"][changed, :-2], batch["features"][changed, :-2])  # R-R as measured


@needs_mitdb
def test_lead_mix_trains_and_refuses_training_data_of_one_lead(two_lead_csvs, tmp_path):
    cfg = config(two_lead_csvs, "data.val_split=beats")
    fit(cfg, *load_split(cfg), tmp_path / "mixed", log=quiet)
    assert (tmp_path / "mixed" / "best.pt").is_file()
    one_lead = config(two_lead_csvs[:1], "data.val_split=beats")
    with pytest.raises(ConfigError, match="train.lead_mix needs the same beats on two leads"):
        fit(one_lead, *load_split(one_lead), tmp_path / "one", log=quiet)
    with pytest.raises(ConfigError, match="needs model.template_channel"):
        config(two_lead_csvs, "model.template_channel=false")
