"""The training loop: one-epoch and evaluation functions, the fit loop with TensorBoard and checkpoints."""
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from tqdm import tqdm

from .augment import augment_beats
from .calibration import calibrate_checkpoint, prior_offsets
from .checkpoint import load_weights, make_checkpoint, read_checkpoint, save_checkpoint
from .data import DataError, load_beats, load_extra_inputs, load_records, train_val_split
from .imbalance import epoch_order, make_loss, prior_power
from .inference import predict_proba
from .metrics import classification_metrics
from .model import BeatNet


@dataclass
class Beats:
    """Labelled beats for training or validation: x (n, L) float32, y (n,) int64, extra (n, k) float32 or None."""
    x: np.ndarray
    y: np.ndarray
    extra: np.ndarray = None

    def take(self, index):
        return Beats(self.x[index], self.y[index], None if self.extra is None else self.extra[index])


def load_split(cfg):
    """(train, val) Beats of a config: its training CSV (with the sidecar inputs its model takes), split
    by data.val_fraction / data.val_split / train.seed, the same way for training and for --calibrate."""
    csv, dc = cfg["data"]["train_csv"], cfg["data"]
    x, y = load_beats(csv, cache=dc["cache"])
    if y is None:
        raise DataError(f"{csv}: has no labels; training needs the label column")
    beats = Beats(x, y, load_extra_inputs(csv, len(y), cfg["model"]))
    groups = load_records(csv, len(y)) if dc["val_split"] == "records" else None
    train_idx, val_idx = train_val_split(y, dc["val_fraction"], cfg["train"]["seed"], groups)
    return beats.take(train_idx), beats.take(val_idx)


def epoch_plan(y, batch_size, generator, sampler="shuffle", max_batches=None, power=1.0):
    """Index batches for one epoch, drawn from `generator` (so a seed fixes the order)."""
    order = epoch_order(y, generator, sampler, power)
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)][:max_batches]


def augment_batch(xb, eb, generator, with_template):
    """The paper's augmentation of beats xb (b, 1, L); with_template: their templates, the last L columns of
    the extra inputs eb (b, k), get the same stretch and warp, as if the whole recording were another
    patient's, so the beat-minus-template channel keeps what sets the beat apart from its neighbours.
    The named extra inputs (R-R times, template correlation and distance) stay as measured on the real beat."""
    if not with_template:
        return augment_beats(xb, generator), eb
    length = xb.shape[-1]
    both = augment_beats(torch.cat([xb, eb[:, None, -length:]], dim=1), generator)  # (b, 2, L)
    return both[:, :1], torch.cat([eb[:, :-length], both[:, 1]], dim=1)


def train_epoch(model, x, y, optimizer, scheduler, plan, loss_fn=F.cross_entropy, augment=None, desc="",
                extra=None, ema=None, augment_template=False):
    """One pass over the batches of `plan` into (x (n, 1, L) float32 tensor, y (n,) int64 tensor,
    extra (n, k) float32 tensor of extra inputs when the model takes them).

    augment: None, or a torch.Generator that drives the paper's augmentation of each batch.
    augment_template: augment the template channel (the last L extra inputs) together with the beat.
    ema: None, or an AveragedModel updated after every optimizer step.
    Returns (mean training loss, beats seen).
    """
    model.train()
    total, seen = 0.0, 0
    bar = tqdm(plan, desc=desc, unit="batch", leave=False, mininterval=1.0)
    for idx in bar:
        xb, eb = x[idx], None if extra is None else extra[idx]
        if augment is not None:
            xb, eb = augment_batch(xb, eb, augment, augment_template)
        loss = loss_fn(model(xb, eb), y[idx])  # (b, 1, L) -> (b, C) -> scalar
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()  # per optimizer step: the paper decays the LR every 10,000 iterations
        if ema is not None:
            ema.update_parameters(model)
        total += loss.item() * len(idx)
        seen += len(idx)
        # refresh=False: the bar redraws at most once a second instead of after every batch
        bar.set_postfix(loss=f"{total / seen:.4f}", beats_s=f"{seen / max(bar.format_dict['elapsed'], 1e-9):.0f}",
                        refresh=False)
    return total / max(seen, 1), seen


def make_scheduler(optimizer, tc, steps_per_epoch):
    """Per-step LR schedule: the paper's step decay, cosine annealing, or one-cycle, over the whole run."""
    total = max(1, tc["epochs"] * steps_per_epoch)
    if tc["schedule"] == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=tc["lr_decay_every"], gamma=tc["lr_decay"])
    if tc["schedule"] == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total)
    if tc["schedule"] == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=tc["lr"], total_steps=total)
    raise ValueError(f"unknown schedule {tc['schedule']!r}")


@torch.no_grad()
def evaluate(model, beats):
    """Loss and classification metrics of the model on Beats."""
    if len(beats.y) == 0:
        return {}
    proba = predict_proba(model, beats.x, beats.extra)
    loss = F.nll_loss(torch.log(torch.from_numpy(proba).clamp_min(1e-12)), torch.from_numpy(beats.y)).item()
    return {"loss": loss, **classification_metrics(beats.y, proba.argmax(1))}


def fit(cfg, train, val, run_dir, resume=False, log=print):
    """Train per `cfg` on the Beats `train`, select on the Beats `val`; write the run to run_dir.

    run_dir gets TensorBoard events, best.pt (best validation macro-F1; no optimizer state) and
    last.pt (every epoch, with optimizer and scheduler state); with train.ema_decay the weights validated
    and saved are the moving average (last.pt also keeps the live weights); with train.calibrate also calibrated.pt,
    best.pt with class offsets fitted on `val`. resume=True continues from last.pt: each epoch's batch
    order is seeded by (seed, epoch), so a resumed run matches an uninterrupted one.
    Returns the path of the checkpoint to use (calibrated.pt or best.pt).
    """
    from torch.utils.tensorboard import SummaryWriter

    tc = cfg["train"]
    torch.set_num_threads(tc["threads"])
    torch.manual_seed(tc["seed"])
    xt = torch.from_numpy(train.x).unsqueeze(1)  # (n, 1, L)
    yt = torch.from_numpy(train.y)
    extra = None if train.extra is None else torch.from_numpy(train.extra)  # (n, k)

    model = BeatNet(**cfg["model"])
    optimizer = torch.optim.Adam(model.parameters(), lr=tc["lr"], betas=tuple(tc["betas"]),
                                 weight_decay=tc["weight_decay"])
    steps = math.ceil(len(yt) / tc["batch_size"])
    scheduler = make_scheduler(optimizer, tc, min(steps, tc["max_batches"] or steps))
    loss_fn = make_loss(tc["loss"], yt, cfg["model"]["num_classes"], tc["focal_gamma"], tc["weight_power"])
    # A balanced sampler or weighted loss teaches tilted class priors; with untilt_priors, validation and
    # best.pt undo the tilt (logit offsets back to the real class frequencies), so that epochs and runs
    # compare on equal terms.
    tilt = prior_power(tc) if tc["untilt_priors"] else 0.0
    untilt = torch.as_tensor(prior_offsets(np.bincount(train.y, minlength=cfg["model"]["num_classes"]), 0.0,
                                           tilt), dtype=torch.float32)
    # A moving average of the weights smooths out where the last steps happened to land; it is what gets
    # validated and saved. Only parameters are averaged: the logit_bias buffer is set below, not learned.
    ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(tc["ema_decay"])) if tc["ema_decay"] else None
    scored = model if ema is None else ema.module
    start_epoch, best_f1, best_epoch = 1, -math.inf, 0
    run_dir = Path(run_dir)
    if resume:
        ckpt = read_checkpoint(run_dir / "last.pt")
        load_weights(model, ckpt.get("training_model_state", ckpt["model_state"]))
        model.logit_bias.zero_()  # last.pt carries the validation offsets; training runs without
        if ema is not None:
            ema.load_state_dict(ckpt["ema_state"])
        optimizer.load_state_dict(ckpt["optimizer_state"])
        scheduler.load_state_dict(ckpt["scheduler_state"])
        start_epoch = ckpt["epoch"] + 1
        best_f1, best_epoch = ckpt["best_val_macro_f1"], ckpt.get("best_epoch", ckpt["epoch"])
        log(f"resuming {run_dir} after epoch {ckpt['epoch']}")

    writer = SummaryWriter(str(run_dir))
    for epoch in range(start_epoch, tc["epochs"] + 1):
        if tc["patience"] is not None and epoch - 1 - best_epoch >= tc["patience"]:
            log(f"early stop: no better validation macro-F1 since epoch {best_epoch}")
            break
        t0 = time.perf_counter()
        generator = torch.Generator().manual_seed(tc["seed"] * 100_003 + epoch)
        lr = optimizer.param_groups[0]["lr"]
        plan = epoch_plan(yt, tc["batch_size"], generator, tc["sampler"], tc["max_batches"], tc["weight_power"])
        train_loss, seen = train_epoch(model, xt, yt, optimizer, scheduler, plan, loss_fn,
                                       augment=generator if tc["augment"] else None,
                                       desc=f"epoch {epoch}/{tc['epochs']}", extra=extra, ema=ema,
                                       augment_template=tc["augment_template"])
        seconds = time.perf_counter() - t0
        scored.logit_bias.copy_(untilt)  # zero unless the training tilted the priors
        val_metrics = evaluate(scored, val)
        writer.add_scalar("loss/train", train_loss, epoch)
        writer.add_scalar("lr", lr, epoch)
        writer.add_scalar("time/epoch_s", seconds, epoch)
        for tag, key in (("loss/val", "loss"), ("acc/val", "accuracy"), ("f1_macro/val", "macro_f1")):
            if key in val_metrics:
                writer.add_scalar(tag, val_metrics[key], epoch)
        writer.flush()

        metrics = {"epoch": epoch, "train_loss": train_loss, "lr": lr, "epoch_seconds": seconds,
                   "val": val_metrics}
        f1 = val_metrics.get("macro_f1", -train_loss)  # with no validation split, fall back on the training loss
        improved = f1 > best_f1
        if improved:
            best_f1, best_epoch = f1, epoch
            save_checkpoint(make_checkpoint(scored, cfg, epoch, metrics), run_dir / "best.pt")
        last = make_checkpoint(scored, cfg, epoch, metrics, optimizer, scheduler)
        last["best_val_macro_f1"], last["best_epoch"] = best_f1, best_epoch
        if ema is not None:  # for --resume: the weights being trained and the average so far
            last["training_model_state"], last["ema_state"] = model.state_dict(), ema.state_dict()
        save_checkpoint(last, run_dir / "last.pt")
        scored.logit_bias.zero_()  # the network trains without offsets
        summary = (f"val loss {val_metrics['loss']:.4f} acc {val_metrics['accuracy']:.4f} "
                   f"macro-F1 {val_metrics['macro_f1']:.4f}" if val_metrics else "no validation split")
        log(f"epoch {epoch:3d}  train loss {train_loss:.4f}  {summary}  lr {lr:.2e}  "
            f"{seen / seconds:.0f} beats/s  {seconds:.1f} s"
            + ("  *best" if improved else ""))
    writer.close()
    if not tc["calibrate"]:
        return run_dir / "best.pt"
    if len(val.y) == 0:
        log("no validation split: nothing to calibrate on; use best.pt")
        return run_dir / "best.pt"
    before, after, tau, _ = calibrate_checkpoint(run_dir / "best.pt", run_dir / "calibrated.pt", val, train.y)
    log(f"calibrated on validation: tau {tau:.2f}, macro-F1 {before['macro_f1']:.4f} -> {after['macro_f1']:.4f} "
        f"(wrote {run_dir / 'calibrated.pt'})")
    return run_dir / "calibrated.pt"
