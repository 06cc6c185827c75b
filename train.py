"""Train the beat classifier from a JSON config.

    python train.py                                   # config/config.json
    python train.py --config config/ds1_rr_mean_channel.json   # inter-patient: train on DS1
    python train.py --set train.epochs=5 train.lr=3e-4
    python train.py --resume log/RUN                  # continue an interrupted run
    python train.py --calibrate log/RUN               # prior correction of a finished run, chosen on its validation split
    python train.py --init models/recording.pt --config config/adapt.json --set data.train_csv=data/my_records.csv
                                                      # fine-tune a trained model on your own labelled beats
    python train.py --dry-run                         # one epoch of two batches, for a quick check

Each run gets a folder log/RUN with the resolved config, TensorBoard events, best.pt and last.pt
(and calibrated.pt with train.calibrate=true or --calibrate).
"""
import argparse
import sys
from pathlib import Path

from heartbeat import UserError
from heartbeat.adapt import init_overrides
from heartbeat.checkpoint import load_checkpoint, read_checkpoint
from heartbeat.config import ConfigError, load_config, load_run_config, valid_keys
from heartbeat.labelled import csv_list, load_split
from heartbeat.training import calibrate_run, fit, new_run_dir


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", default="config/config.json", help="JSON config file")
    p.add_argument("--set", nargs="+", default=[], metavar="KEY=VALUE",
                   help=f"override config values by name; keys: {', '.join(valid_keys())}")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--resume", metavar="RUN_DIR", help="continue the run in RUN_DIR from its last.pt")
    mode.add_argument("--calibrate", metavar="RUN_DIR", help="choose the prior correction of RUN_DIR/best.pt on "
                      "the run's own validation split; writes RUN_DIR/calibrated.pt")
    mode.add_argument("--init", metavar="CHECKPOINT", help="fine-tune this checkpoint: its network and weights "
                   "(train.init; train.finetune=head trains the linear layers only); model.morphology_mix is the "
                   "config's")
    p.add_argument("--dry-run", action="store_true", help="one epoch of two batches (checks the setup)")
    args = p.parse_args(argv)

    try:
        if args.calibrate:
            run_dir = Path(args.calibrate)
            if args.set:
                raise ConfigError("--calibrate takes no --set: the run's own config says how it was trained")
            cfg = load_run_config(run_dir)
            if cfg.model.morphology_mix:
                raise ConfigError(f"{run_dir}: calibration fits the reading with morphology, not this model's "
                                  "model.morphology_mix")
            if not (run_dir / "best.pt").is_file():
                raise ConfigError(f"{run_dir}: no best.pt to calibrate")
            if (run_dir / "calibrated.pt").exists():
                raise ConfigError(f"{run_dir}/calibrated.pt exists; remove it to calibrate again")
        elif args.resume:
            # A resumed run keeps its own config; only a longer schedule may be asked for.
            if any(not item.startswith("train.epochs=") for item in args.set):
                raise ConfigError("--resume takes only --set train.epochs=N; the run's config is fixed")
            run_dir = Path(args.resume)
            cfg = load_run_config(run_dir, args.set)
            planned = load_run_config(run_dir).train.epochs
            if cfg.train.epochs != planned and cfg.train.schedule != "step":
                raise ConfigError(f"a {cfg.train.schedule} schedule is laid out over the planned "
                                  f"{planned} epochs; it cannot be extended")
            if not (run_dir / "last.pt").is_file():
                raise ConfigError(f"{run_dir}: no last.pt to resume from")
            done = read_checkpoint(run_dir / "last.pt")["epoch"]
            calibrating = cfg.train.calibrate and not (run_dir / "calibrated.pt").exists()  # stopped while calibrating
            if done >= cfg.train.epochs and not calibrating:  # it would only re-calibrate and rewrite calibrated.pt
                raise ConfigError(f"{run_dir}: the run finished its {done} epochs; nothing to resume"
                                  + (" (a step schedule goes on with --set train.epochs=N)"
                                     if cfg.train.schedule == "step" else ""))
        else:
            overrides = list(args.set)
            if args.init:
                overrides += init_overrides(args.init)
            if args.dry_run:
                overrides += ["train.epochs=1", "train.max_batches=2"]
            try:
                cfg = load_config(args.config, overrides)
            except ConfigError as e:  # say where a model key the config did not set came from
                if args.init and "model." in str(e):
                    raise ConfigError(f"{e} (with --init the network's keys are {args.init}'s)") from None
                raise
            run_dir = new_run_dir(cfg, Path(args.config).stem)
        if args.init:  # the schema's default (MIT-BIH's training split) is seldom what a fine-tuning means
            missing = [csv for csv in csv_list(cfg.data.train_csv) if not Path(csv).is_file()]
            if missing:
                raise ConfigError(f"{missing[0]}: no such file; with --init, data.train_csv names the labelled beats "
                                  "to fine-tune on, e.g. --set 'data.train_csv=[\"data/my_records.csv\"]'")
        train, val = load_split(cfg)
        if args.calibrate:
            if len(val.y) == 0:
                raise ConfigError(f"{run_dir}: the run has no validation split (data.val_fraction 0) to calibrate on")
            model, info = load_checkpoint(run_dir / "best.pt")
            cal = calibrate_run(model, cfg, info["epoch"], info["metrics"], train.y, val, run_dir / "calibrated.pt")
            print(f"{run_dir}: tau {cal.tau:.2f} chosen on {len(val.y)} validation beats; "
                  f"validation macro-F1 {cal.before['macro_f1']:.4f} -> {cal.after['macro_f1']:.4f}")
            print(f"evaluate it: python test.py --checkpoint {run_dir / 'calibrated.pt'}")
            return
        replayed = f" (with {cfg.train.replay} of each class replayed from {args.init}'s training beats)" \
            if args.init and cfg.train.replay else ""
        print(f"run {run_dir}: {len(train.y)} training / {len(val.y)} validation beats from {cfg.data.train_csv}"
              + replayed)
        best = fit(cfg, train, val, run_dir, resume=bool(args.resume))
    except UserError as e:
        sys.exit(f"error: {e}")
    if args.init:  # an adapted model is read on the user's own recordings, not on MIT-BIH's test split
        print(f"checkpoint to use: {best}\nuse it:            python predict.py --checkpoint {best} --record ... "
              "[--second-channel NAME, for a model adapted on both leads] [--reviewed CSV: the beats of a review keep "
              "the classes given]")
    else:
        print(f"checkpoint to use: {best}\nevaluate it:       python test.py --checkpoint {best}")


if __name__ == "__main__":
    main()
