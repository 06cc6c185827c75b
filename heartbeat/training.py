"""Training: fit = setup, and per epoch train, evaluate, save; then calibrate. (The beats it trains on, and a
config's train / validation split of them, come from labelled.py.)

Each step is a function of what it uses, so tests and bench scripts call them one by one.
"""
import copy
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from torch.nn import functional as F
from tqdm import tqdm

from .augment import RecorderNoise, beat_augmentation
from .calibration import calibrate, prior_offsets
from .checkpoint import CheckpointError, load_checkpoint, make_checkpoint, read_checkpoint, save_checkpoint
from .config import ConfigError, save_config
from .fileio import check_folder
from .imbalance import make_loss, prior_power
from .inference import predict_proba
from .metrics import classification_metrics
from .model import BeatNet


def epoch_plan(n, batch_size, generator, max_batches=None):
    """Index batches for one epoch over n beats: a shuffle drawn from `generator` (so a seed fixes the order)."""
    order = torch.randperm(n, generator=generator)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)][:max_batches]


def train_epoch(model, inputs, y, optimizer, scheduler, plan, loss_fn=F.cross_entropy, augment=None, desc="",
                average=None):
    """One pass over the index batches of `plan` into `inputs` (BeatInputs.as_tensors()) and labels y (n,) int64 tensor.

    augment: None, or a function (b, 1, L) -> (b, 1, L) applied to each batch's beats
    (augment.beat_augmentation; the template and the named features stay as measured on the real beat).
    average: None, or a torch AveragedModel of `model`, updated after every optimizer step.
    Returns (mean loss, beats seen).
    """
    model.train()
    total, seen = 0.0, 0
    # a bar on a terminal only: in a log file (nohup, CI) it would be a screenful of carriage returns per epoch
    bar = tqdm(plan, desc=desc, unit="batch", leave=False, mininterval=1.0, disable=None)
    for idx in bar:
        batch = {k: None if v is None else v[idx] for k, v in inputs.items()}
        if augment is not None:
            batch["beats"] = augment(batch["beats"])
        loss = loss_fn(model(**batch), y[idx])  # (b, 1, L) -> (b, C) -> scalar
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()  # per optimizer step: the paper decays the LR every 10,000 iterations
        if average is not None:
            average.update_parameters(model)
        total += loss.item() * len(idx)
        seen += len(idx)
        # refresh=False: the bar redraws at most once a second instead of after every batch
        bar.set_postfix(loss=f"{total / seen:.4f}", beats_s=f"{seen / max(bar.format_dict['elapsed'], 1e-9):.0f}",
                        refresh=False)
    return total / max(seen, 1), seen


def start_from(model, path, finetune="all"):
    """Load a checkpoint's weights into `model` (which must be the model it describes), without its class
    offsets; finetune 'head' freezes the convolutions so that only the linear layers train."""
    trained, _ = load_checkpoint(path)  # model keys newer than the checkpoint at their defaults
    theirs, ours = trained.config.network(), model.config.network()  # reading keys may differ
    if theirs != ours:
        differ = sorted(k for k in theirs if theirs[k] != ours[k])
        raise CheckpointError(f"{path}: train.init names a model that differs from the config's in "
                              f"{', '.join(differ)}; train.py --init takes the network from the checkpoint")
    state = trained.state_dict()
    state["logit_bias"] = torch.zeros_like(model.logit_bias)  # offsets are set for the new training data
    model.load_state_dict(state)
    if finetune == "head":
        for layer in (model.stem, model.blocks):
            layer.requires_grad_(False)


def make_optimizer(model, tc, steps_per_epoch):
    """Adam and the per-step LR schedule of a TrainConfig: the paper's step decay, or cosine over the run."""
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(trainable, lr=tc.lr, betas=tuple(tc.betas), weight_decay=tc.weight_decay)
    if tc.schedule == "cosine":
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, tc.epochs * steps_per_epoch))
    else:
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=tc.lr_decay_every, gamma=tc.lr_decay)
    return optimizer, scheduler


@torch.no_grad()
def evaluate(model, beats):
    """Loss and classification metrics of the model (with its offsets) on LabelledBeats; {} if there are none."""
    if len(beats.y) == 0:
        return {}
    proba = predict_proba(model, beats.inputs)
    loss = F.nll_loss(torch.log(torch.from_numpy(proba).clamp_min(1e-12)), torch.from_numpy(beats.y)).item()
    return {"loss": loss, **classification_metrics(beats.y, proba.argmax(1))}


@dataclass
class Progress:
    """Where a run stands after an epoch: what --resume restores and calibration starts from."""
    epoch: int = 0
    best_f1: float = -math.inf
    best_epoch: int = 0
    best_state: dict = None   # the weights of best.pt
    best_metrics: dict = None


def new_run_dir(cfg, stem):
    """The folder of a new run: run.log_dir / run.name, or else / a timestamp and `stem` (then -2, -3, ... after it
    where that folder exists: runs started in the same second). ConfigError, one line, when run.name is taken or
    the folder cannot be one."""
    log_dir = Path(cfg.run.log_dir)
    if cfg.run.name:
        run_dir = log_dir / cfg.run.name
        if run_dir.exists():
            raise ConfigError(f"{run_dir} exists; choose another run.name or --resume it")
    else:
        name = time.strftime("%Y%m%d-%H%M%S-") + stem
        run_dir, k = log_dir / name, 1
        while run_dir.exists():
            k += 1
            run_dir = log_dir / f"{name}-{k}"
    check_folder(run_dir)
    return run_dir


def fit(cfg, train, val, run_dir, resume=False, log=print):
    """Train per config `cfg` on the LabelledBeats `train`, select on `val`; write the run to run_dir.

    run_dir gets the resolved config.json, TensorBoard events, best.pt (best validation macro-F1), last.pt (every epoch, with
    optimizer and scheduler state) and, with train.calibrate, calibrated.pt. resume=True continues from
    last.pt: each epoch's batch order is seeded by (seed, epoch), so a resumed run matches an
    uninterrupted one. Returns the path of the checkpoint to use (calibrated.pt or best.pt).
    """
    from torch.utils.tensorboard import SummaryWriter

    tc, run_dir = cfg.train, Path(run_dir)
    torch.set_num_threads(tc.threads)
    torch.manual_seed(tc.seed)
    model = BeatNet(**asdict(cfg.model))
    if tc.init:
        start_from(model, tc.init, tc.finetune)
    elif tc.finetune == "head":  # a recipe like config/adapt.json, run without the checkpoint it is for
        raise ConfigError("train.finetune=head needs train.init (train.py --init CHECKPOINT): the convolutions "
                          "it keeps come from a checkpoint")
    # A weighted loss teaches tilted class priors; with untilt_priors, evaluation (and so best.pt) undoes
    # the tilt, so that epochs and runs compare at the real class frequencies.
    counts = np.bincount(train.y, minlength=len(model.logit_bias))
    model.logit_bias.copy_(torch.as_tensor(prior_offsets(counts, 0.0, prior_power(tc) if tc.untilt_priors else 0.0)))
    steps = math.ceil(len(train.y) / tc.batch_size)
    optimizer, scheduler = make_optimizer(model, tc, min(steps, tc.max_batches or steps))
    # A moving average of the weights (made after the offsets are set: buffers are copied) is what gets validated
    # and saved: averaged weights sit in flatter minima, which carry better to new patients (SWAD, Cha et al. 2021).
    average = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(tc.ema)) if tc.ema else None
    scored = model if average is None else average.module
    progress = _resume(run_dir, model, optimizer, scheduler, log, average) if resume else Progress()
    inputs, y = train.inputs.as_tensors(), torch.from_numpy(train.y)
    loss_fn = make_loss(tc, y)
    noise = RecorderNoise.load(tc.noise) if tc.noise else None
    if not resume:  # only now: a bad train.init checkpoint or noise file must leave no half-made run folder
        run_dir.mkdir(parents=True, exist_ok=True)
        save_config(cfg, run_dir / "config.json")

    with SummaryWriter(str(run_dir)) as writer:
        for epoch in range(progress.epoch + 1, tc.epochs + 1):
            t0 = time.perf_counter()
            generator = torch.Generator().manual_seed(tc.seed * 100_003 + epoch)
            lr = optimizer.param_groups[0]["lr"]
            plan = epoch_plan(len(y), tc.batch_size, generator, tc.max_batches)
            train_loss, seen = train_epoch(model, inputs, y, optimizer, scheduler, plan, loss_fn,
                                           augment=beat_augmentation(tc.augment, noise, generator),
                                           desc=f"epoch {epoch}/{tc.epochs}", average=average)
            seconds = time.perf_counter() - t0
            val_metrics = evaluate(scored, val)
            metrics = {"epoch": epoch, "train_loss": train_loss, "lr": lr, "epoch_seconds": seconds,
                       "val": val_metrics}
            _log_scalars(writer, metrics)
            # with no validation split, fall back on the training loss
            improved = _record(progress, scored, metrics, val_metrics.get("macro_f1", -train_loss))
            if improved:
                save_checkpoint(make_checkpoint(scored, cfg, epoch, metrics), run_dir / "best.pt")
            last = make_checkpoint(model, cfg, epoch, metrics, optimizer, scheduler)
            if average is not None:
                last["average_state"] = average.state_dict()
            last["best_val_macro_f1"], last["best_epoch"] = progress.best_f1, progress.best_epoch
            last["rng_state"] = torch.get_rng_state()  # morphology dropout draws from it: --resume goes on alike
            save_checkpoint(last, run_dir / "last.pt")
            summary = (f"val loss {val_metrics['loss']:.4f} acc {val_metrics['accuracy']:.4f} "
                       f"macro-F1 {val_metrics['macro_f1']:.4f}" if val_metrics else "no validation split")
            log(f"epoch {epoch:3d}  train loss {train_loss:.4f}  {summary}  lr {lr:.2e}  "
                f"{seen / seconds:.0f} beats/s  {seconds:.1f} s" + ("  *best" if improved else ""))
    if not tc.calibrate:
        return run_dir / "best.pt"
    if len(val.y) == 0:
        log("no validation split: nothing to calibrate on; use best.pt")
        return run_dir / "best.pt"
    scored.load_state_dict(progress.best_state)
    cal = calibrate_run(scored, cfg, progress.best_epoch, progress.best_metrics, train.y, val,
                        run_dir / "calibrated.pt")
    log(f"calibrated on validation: tau {cal.tau:.2f}, macro-F1 {cal.before['macro_f1']:.4f} -> "
        f"{cal.after['macro_f1']:.4f} (wrote {run_dir / 'calibrated.pt'})")
    return run_dir / "calibrated.pt"


def calibrate_run(model, cfg, epoch, metrics, train_y, val, path):
    """Calibrate `model` (a run's best weights) on its validation split and write it to `path`."""
    counts = np.bincount(train_y, minlength=len(model.logit_bias))
    power = prior_power(cfg.train)
    cal = calibrate(model, val.inputs, val.y, counts, power)
    split = "held-out records" if cfg.data.val_split == "records" else "beats of every training record"
    ckpt = make_checkpoint(model, cfg, epoch, {**metrics, "val": cal.after, "val_uncalibrated": cal.before})
    ckpt["calibration"] = cal.record(counts, power, f"validation split ({split}), maximising macro-F1",
                                     path.with_name("best.pt"))
    save_checkpoint(ckpt, path)
    return cal


def _record(progress, model, metrics, score):
    """Note an epoch's result; True (and a copy of the weights) when it is the best so far."""
    progress.epoch = metrics["epoch"]
    if score <= progress.best_f1:
        return False
    progress.best_f1, progress.best_epoch, progress.best_metrics = score, metrics["epoch"], metrics
    progress.best_state = copy.deepcopy(model.state_dict())
    return True


def _resume(run_dir, model, optimizer, scheduler, log, average=None):
    last, best = read_checkpoint(run_dir / "last.pt"), read_checkpoint(run_dir / "best.pt")
    model.load_state_dict(last["model_state"])
    if average is not None:
        average.load_state_dict(last["average_state"])
    optimizer.load_state_dict(last["optimizer_state"])
    scheduler.load_state_dict(last["scheduler_state"])
    if "rng_state" in last:  # written since morphology dropout resumes exactly
        torch.set_rng_state(last["rng_state"])
    log(f"resuming {run_dir} after epoch {last['epoch']}")
    return Progress(last["epoch"], last["best_val_macro_f1"], last["best_epoch"], best["model_state"],
                    best["metrics"])


def _log_scalars(writer, metrics):
    epoch, val = metrics["epoch"], metrics["val"]
    writer.add_scalar("loss/train", metrics["train_loss"], epoch)
    writer.add_scalar("lr", metrics["lr"], epoch)
    writer.add_scalar("time/epoch_s", metrics["epoch_seconds"], epoch)
    for tag, key in (("loss/val", "loss"), ("acc/val", "accuracy"), ("f1_macro/val", "macro_f1")):
        if key in val:
            writer.add_scalar(tag, val[key], epoch)
    writer.flush()
