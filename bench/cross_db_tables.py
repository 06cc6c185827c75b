"""The tables bench/cross_db.py prints: gross Se / +P per class, mean ± sd over seeds."""
import numpy as np

from heartbeat import CLASSES
from heartbeat.metrics import classification_metrics

SHOWN = ("N", "S", "V")  # SVDB holds 21 F and 54 Q beats: too few to score


def gross_row(y, pred):
    m = classification_metrics(y, pred)
    return [m["accuracy"]] + [v for c in SHOWN for v in (m["per_class"][c]["recall"], m["per_class"][c]["precision"])]


def header(*first):
    """A table's header: the first columns, then accuracy and Se / +P of each shown class."""
    print("| " + " | ".join(first) + " | accuracy | " + " | ".join(f"{c} Se | {c} +P" for c in SHOWN) + " |")
    print("|---" * (len(first) + 1 + 2 * len(SHOWN)) + "|")


def mean_sd(values):
    """Rows of gross_row, one per seed -> the table cells "mean ± sd" (sd nan for one seed)."""
    v = np.array(values)  # (seeds, metrics)
    sd = v.std(0, ddof=1) if len(v) > 1 else np.full(v.shape[1], np.nan)
    return " | ".join(f"{m:.3f} ± {d:.3f}" for m, d in zip(v.mean(0), sd))


def reading(args):
    return f"; read with model.morphology_mix {args.read_mix}" if args.read_mix is not None else ""


def print_table(rows, args):
    print(f"\n{args.recipe} {' '.join(args.set)}; training leads {args.leads}; seeds {args.seeds}{reading(args)}"
          f"{'; grouped folds ' + str(args.folds) if args.folds is not None else ''}; mean ± sd\n")
    header("scenario", "scored on", "lead")
    for (scenario, split, db, lead), values in sorted(rows.items(), key=lambda kv: kv[0][1] != "validation"):
        cross = " (cross-lead)" if lead in (0, 1) and lead not in args.leads else ""
        print(f"| {scenario} | {split} ({db}) | {lead}{cross} | {mean_sd(values)} |")


def print_adaptation(adapted, args):
    print(f"\npatient adaptation ({args.adapt}, fine-tuned on the first {args.minutes:g} min of lead(s) "
          f"{' and '.join(map(str, args.adapt_leads))}; the rest of each record scored on lead 0 and on both fused"
          f"{reading(args).replace('read with', 'as trained read with')}; adapted read as {args.adapt} says; "
          f"mean ± sd over seeds)\n")
    header("scenario", "model", "read on")
    for scenario in dict.fromkeys(s for s, _ in adapted):
        runs = [outcomes for (s, _), outcomes in adapted.items() if s == scenario]  # per seed: (y, preds) per record
        for key in runs[0][0][1]:
            values = [gross_row(np.concatenate([y for y, _ in outcomes]),
                                np.concatenate([preds[key] for _, preds in outcomes])) for outcomes in runs]
            print(f"| {scenario} | {key[0]} | {key[1]} | {mean_sd(values)} |")


def print_per_record(per_record):
    print("\n| scenario | test lead | record | beats | S | S Se | S +P | V | V Se | V +P |")
    print("|---" * 10 + "|")
    for (scenario, lead, record), parts in sorted(per_record.items(), key=lambda kv: str(kv[0])):
        y, pred = np.concatenate([a for a, _ in parts]), np.concatenate([b for _, b in parts])
        cells = []
        for c in (CLASSES.index("S"), CLASSES.index("V")):
            true, called = (y == c), (pred == c)
            hit = (true & called).sum()
            cells += [str(true.sum() // len(parts)), f"{hit / max(true.sum(), 1):.3f}" if true.any() else "-",
                      f"{hit / max(called.sum(), 1):.3f}" if called.any() else "-"]
        print(f"| {scenario} | {lead} | {record} | {len(y) // len(parts)} | " + " | ".join(cells) + " |")
