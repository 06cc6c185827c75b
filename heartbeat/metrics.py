"""Classification metrics (scikit-learn) and their text report."""
import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from . import CLASSES


def classification_metrics(y_true, y_pred):
    """Plain-type dict: accuracy, macro_f1, per_class {precision, recall, f1, support}, confusion counts."""
    labels = list(range(len(CLASSES)))
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0)
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
        "per_class": {
            name: {"precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i]),
                   "support": int(support[i])}
            for i, name in enumerate(CLASSES)
        },
        "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }


def row_normalized(confusion):
    """Each true-class row divided by its count (the paper's table); empty rows stay 0."""
    c = np.asarray(confusion, dtype=np.float64)
    return c / np.maximum(c.sum(axis=1, keepdims=True), 1)


def format_report(m):
    """The metrics as a text report: summary, per-class table, confusion as counts and row-normalized."""
    lines = [f"accuracy {m['accuracy']:.4f}   macro-F1 {m['macro_f1']:.4f}", "",
             f"{'class':<6}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}"]
    for name, c in m["per_class"].items():
        lines.append(f"{name:<6}{c['precision']:>10.3f}{c['recall']:>10.3f}{c['f1']:>10.3f}{c['support']:>10d}")
    header = "true\\pred" + "".join(f"{n:>8}" for n in CLASSES)
    lines += ["", "confusion (counts)", header]
    lines += [f"{n:<9}" + "".join(f"{v:>8d}" for v in row) for n, row in zip(CLASSES, m["confusion"])]
    lines += ["", "confusion (row-normalized: recall on the diagonal)", header]
    lines += [f"{n:<9}" + "".join(f"{v:>8.3f}" for v in row) for n, row in zip(CLASSES, row_normalized(m["confusion"]))]
    return "\n".join(lines)
