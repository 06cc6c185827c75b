"""The beat CSV loader: every accepted layout, every rejected input, and the cache."""
import os

import numpy as np
import pytest

from heartbeat.data import DataError, load_beats
from heartbeat.sidecar import load_records
from heartbeat.splits import train_val_split

rng = np.random.default_rng(0)
X = rng.random((6, 187)).astype(np.float32)
Y = np.array([0, 1, 2, 3, 4, 0])


def write(path, rows, header=None):
    lines = [header] if header else []
    lines += [",".join(f"{v:.9g}" if isinstance(v, float) else str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def kaggle_rows(x=X, y=Y):
    return [list(map(float, r)) + [float(label)] for r, label in zip(x, y)]


def test_kaggle_format(tmp_path):
    x, y = load_beats(write(tmp_path / "a.csv", kaggle_rows()))
    assert x.dtype == np.float32 and np.array_equal(x, X)
    assert y.dtype == np.int64 and y.tolist() == Y.tolist()


def test_header_and_index_column_as_pandas_writes_them(tmp_path):
    header = "," + ",".join(str(i) for i in range(188))
    rows = [[i] + r for i, r in enumerate(kaggle_rows())]
    x, y = load_beats(write(tmp_path / "a.csv", rows, header))
    assert np.array_equal(x, X) and y.tolist() == Y.tolist()


def test_index_column_without_header(tmp_path):
    rows = [[i] + r for i, r in enumerate(kaggle_rows())]
    x, y = load_beats(write(tmp_path / "a.csv", rows))
    assert np.array_equal(x, X) and y.tolist() == Y.tolist()


def test_rows_without_labels(tmp_path):
    x, y = load_beats(write(tmp_path / "a.csv", [list(map(float, r)) for r in X]))
    assert y is None and np.array_equal(x, X)


@pytest.mark.parametrize("mutate, message", [
    (lambda rows: rows.__setitem__(3, rows[3][:-5]), "line 4: 183 columns, expected 188"),
    (lambda rows: rows[2].append(0.5), "line 3: 189 columns, expected 188"),
    (lambda rows: rows[4].__setitem__(10, "nan"), "line 5, column 11: nan"),
    (lambda rows: rows[1].__setitem__(0, "inf"), "line 2, column 1: inf"),
    (lambda rows: rows[5].__setitem__(7, "abc"), "line 6, column 8: 'abc' is not a number"),
    (lambda rows: rows[2].__setitem__(187, 2.5), "line 3: label 2.5 is not an integer in 0..4"),
    (lambda rows: rows[0].__setitem__(187, 7.0), "line 1: label 7 is not an integer"),
    (lambda rows: rows[1].__setitem__(5, 300.0), r"line 2: values from .* to 300; beats must be scaled to \[0, 1\]"),
])
def test_bad_rows_are_named(tmp_path, mutate, message):
    rows = kaggle_rows()
    mutate(rows)
    path = write(tmp_path / "bad.csv", rows)
    with pytest.raises(DataError, match=message) as err:
        load_beats(path)
    assert str(path) in str(err.value)


def test_wrong_width_file(tmp_path):
    with pytest.raises(DataError, match="line 1: 100 columns; expected 187"):
        load_beats(write(tmp_path / "a.csv", [[0.5] * 100]))


def test_what_spreadsheets_and_pandas_leave_in_a_file(tmp_path):
    """A byte-order mark (Excel's "CSV UTF-8") is not a header: every beat is read. A row index without a header, or
    a header of column numbers, is named as such, not taken for unscaled ECG; a binary file is not a CSV."""
    path = write(tmp_path / "bom.csv", kaggle_rows())
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    x, y = load_beats(path)
    assert np.array_equal(x, X) and y.tolist() == Y.tolist()
    index_no_label = [[i] + list(map(float, r)) for i, r in enumerate(X)]  # to_csv(header=False): 188 columns
    with pytest.raises(DataError, match=r"the first column counts the rows \(0, 1, 2, ...\), an index column"):
        load_beats(write(tmp_path / "index.csv", index_no_label))
    numbered = ",".join(str(i) for i in range(187))  # to_csv(index=False) of an unnamed frame: 187 columns
    with pytest.raises(DataError, match=r"line 1: the column numbers \(0, 1, 2, ...\), a header line of numbers"):
        load_beats(write(tmp_path / "numbered.csv", [list(map(float, r)) for r in X], numbered))
    np.save(tmp_path / "signal.npy", np.linspace(0, 1, 1000))
    with pytest.raises(DataError, match=r"signal.npy: not a text CSV"):
        load_beats(tmp_path / "signal.npy")


def test_too_few_beats_to_hold_out_validation_is_one_line():
    with pytest.raises(DataError, match="20 training beats are too few to hold out data.val_fraction=0.1"):
        train_val_split(np.repeat(np.arange(5), 4), 0.1, seed=0)


def test_empty_missing_and_header_only(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(DataError, match="empty"):
        load_beats(tmp_path / "empty.csv")
    with pytest.raises(DataError, match=r"missing.csv: no such file$"):  # a name of the user's own: no hint
        load_beats(tmp_path / "missing.csv")
    # a CSV that prepare_data.py writes: the error says how to build it
    with pytest.raises(DataError, match=r"mitbih_test.csv: no such file; build it with: python prepare_data.py --mitdb "):
        load_beats(tmp_path / "mitbih_test.csv")
    with pytest.raises(DataError, match=r"svdb_lead1.csv: no such file; build it with: python prepare_data.py --db "
                                        r"data/svdb --leads 0 1"):
        load_beats(tmp_path / "svdb_lead1.csv")
    (tmp_path / "h.csv").write_text(",".join(f"c{i}" for i in range(188)) + "\n")
    with pytest.raises(DataError, match="a header but no beats"):
        load_beats(tmp_path / "h.csv")


def test_cache_is_used_and_never_stale(tmp_path):
    path = write(tmp_path / "a.csv", kaggle_rows())
    first = load_beats(path, cache=True)
    cache = tmp_path / "a.csv.cache.npy"
    assert cache.exists()
    # Prove the second load reads the cache: plant a marker in the cached labels.
    key, y, x = (np.load(f) for f in [open(cache, "rb")] * 3)
    with open(cache, "wb") as f:
        for a in (key, y + 1, x):
            np.save(f, a)
    assert load_beats(path, cache=True)[1].tolist() == (Y + 1).tolist()
    # Changing the CSV (size and mtime) invalidates the cache.
    write(path, kaggle_rows(X[:3], Y[:3]))
    os.utime(path, ns=(1, 1))
    x, y = load_beats(path, cache=True)
    assert np.array_equal(x, X[:3]) and y.tolist() == Y[:3].tolist()
    assert np.array_equal(first[0], X)


def test_validation_split_is_stratified_and_seeded():
    y = np.repeat(np.arange(5), [500, 40, 100, 20, 60])
    a_train, a_val = train_val_split(y, 0.25, seed=3)
    b_train, b_val = train_val_split(y, 0.25, seed=3)
    assert np.array_equal(a_val, b_val) and not set(a_train) & set(a_val)
    assert np.bincount(y[a_val]).tolist() == [125, 10, 25, 5, 15]
    assert not np.array_equal(a_val, train_val_split(y, 0.25, seed=4)[1])


def test_validation_by_record_holds_out_whole_records_and_keeps_rare_classes():
    # ten records of 100 N; S in r1-r4, V in r5-r9; every F beat in r0 (as 208 holds DS1's F beats)
    records = [f"r{i}" for i in range(10)]
    y = np.concatenate([[0] * 100 + [3 if i == 0 else 1 if i < 5 else 2] * 20 for i in range(10)])
    groups = np.repeat(records, 120)
    for seed in range(20):  # sklearn's first fold holds r0 for seeds 15 and 17
        train, val = train_val_split(y, 0.2, seed=seed, groups=groups)
        assert sorted(np.concatenate([train, val]).tolist()) == list(range(len(y)))
        held = set(groups[val])
        assert held and not held & set(groups[train])  # whole records, on one side only
        assert "r0" not in held  # the only F record stays in training
        assert 1 <= len(held) <= 3  # about a fifth of the records
    assert np.array_equal(val, train_val_split(y, 0.2, seed=seed, groups=groups)[1])  # reproducible
    with pytest.raises(DataError, match="at least 5 records"):
        train_val_split(y[:360], 0.2, seed=0, groups=groups[:360])


def test_records_come_from_the_sidecar(tmp_path):
    csv = tmp_path / "beats.csv"
    write(csv, kaggle_rows(X[:3], Y[:3]))
    with pytest.raises(DataError, match="needs the sidecar beats.meta.csv"):
        load_records(csv, 3)
    (tmp_path / "beats.meta.csv").write_text("record,sample\n100,5\n100,9\n232,4\n")
    assert load_records(csv, 3).tolist() == ["100", "100", "232"]
    (tmp_path / "beats.meta.csv").write_text("db,record,sample\nmine,p@1,5\nmine,p@2,9\nmine,q,4\n")
    assert load_records(csv, 3).tolist() == ["mine/p", "mine/p", "mine/q"]  # a long recording's blocks: one patient
    with pytest.raises(DataError, match="3 rows for the 4 beats"):
        load_records(csv, 4)
    (tmp_path / "beats.meta.csv").write_text("sample\n5\n9\n4\n")
    with pytest.raises(DataError, match="'record' column"):
        load_records(csv, 3)


def test_a_class_too_rare_to_stratify_stays_in_training():
    y = np.array([0] * 20 + [1] + [2] * 10)
    train, val = train_val_split(y, 0.3, seed=0)
    assert 20 in train and 20 not in val
    assert sorted(np.concatenate([train, val]).tolist()) == list(range(len(y)))


def test_training_on_several_csvs(small_csvs, monkeypatch):
    """data.train_csv may list CSVs (two databases, two leads): their beats are trained on together, and a
    validation split by records holds out whole records across them."""
    from heartbeat.config import ConfigError, load_config
    from heartbeat.labelled import load_split

    from conftest import ROOT

    train_csv, test_csv = small_csvs
    sets = [f'data.train_csv=["{train_csv}","{test_csv}"]', "model.template_channel=true", "model.rr_features=true"]
    train, val = load_split(load_config(ROOT / "config" / "config.json", sets + ["data.val_fraction=0"]))
    one, _ = load_split(load_config(ROOT / "config" / "config.json", sets[1:] + [f"data.train_csv={train_csv}",
                                                                                    "data.val_fraction=0"]))
    assert len(val.y) == 0 and np.array_equal(train.y[:len(one.y)], one.y)
    assert np.array_equal(train.inputs.template[:len(one.y)], one.inputs.template)
    assert len(train.y) == len(one.y) + len(load_beats(test_csv)[1]) and train.inputs.features.shape[1] == 8
    import heartbeat.labelled as labelled

    made = []  # the split load_split makes, as indices into the two CSVs' beats in order
    real_split = labelled.train_val_split
    monkeypatch.setattr(labelled, "train_val_split", lambda *a, **k: made.append(real_split(*a, **k)) or made[-1])
    train, val = load_split(load_config(ROOT / "config" / "config.json", sets + ["data.val_split=records",
                                                                               "data.val_fraction=0.34"]))
    assert len(val.y) > 0 and len(train.y) > 0
    # both CSVs hold beats of records 208, 217 and 232: a record held out is held out of both
    records = np.concatenate([load_records(csv, len(load_beats(csv)[1])) for csv in (train_csv, test_csv)])
    kept, held = made[0]
    assert len(kept) == len(train.y) and set(records[kept]).isdisjoint(records[held])
    with pytest.raises(ConfigError, match="empty list"):
        load_config(ROOT / "config" / "config.json", ["data.train_csv=[]"])
