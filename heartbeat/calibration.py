"""Prior calibration: shift the decision towards the rare classes by an amount chosen on validation data.

A network trained on 83% N beats leans towards N when unsure. Dividing its probabilities by the training
class frequencies raised to a power tau, p(c|x) / pi_c**tau, moves the decision from the training
priors (tau = 0) towards equal priors (tau = 1). One number is chosen, on the validation split only,
to maximise macro-F1; a free offset per class was tried first and fitted the noise of the ~60
validation F beats instead (its offsets differed in sign between seeds and lowered test macro-F1).
The offsets go into the model's logit_bias buffer, so every consumer uses them.

A network trained with a 'weighted' loss learned tilted priors, pi_c**(1 - s) with s = imbalance.prior_power;
its offsets (s - tau) * log(pi_c) first undo the tilt, so tau keeps one meaning whatever the training:
0 = the real class frequencies, 1 = equal priors.
"""
from dataclasses import dataclass

import numpy as np
import torch
from sklearn.metrics import f1_score

from .inference import predict_proba
from .metrics import classification_metrics

TAUS = np.round(np.arange(0.0, 1.0001, 0.05), 2)  # candidate strengths, 0 = the real class frequencies


def prior_offsets(class_counts, tau, trained_power=0.0):
    """Logit offsets (trained_power - tau) * log(class frequency), relative to class 0 (N keeps offset 0)."""
    prior = np.maximum(np.asarray(class_counts, dtype=np.float64), 1) / max(np.sum(class_counts), 1)
    offsets = (trained_power - tau) * np.log(prior)
    return offsets - offsets[0]


def log_probabilities(proba):
    """(n, C) probabilities -> their logs, a zero probability clipped to 1e-12 so that it stays finite."""
    return np.log(np.clip(proba, 1e-12, None))


def fit_prior_tau(log_proba, y, class_counts, trained_power=0.0):
    """The tau in TAUS with the best macro-F1 of log_proba (n, C) + offsets on labels y; ties go to the one
    closest to the priors the model learned (tau = trained_power), i.e. to the smallest change."""
    labels = list(range(log_proba.shape[1]))
    scores = np.array([f1_score(y, (log_proba + prior_offsets(class_counts, t, trained_power)).argmax(1),
                                labels=labels, average="macro", zero_division=0) for t in TAUS])
    best = np.flatnonzero(scores > scores.max() - 1e-12)
    return float(TAUS[best[np.argmin(np.abs(TAUS[best] - trained_power))]])


@dataclass
class Calibration:
    tau: float
    offsets: np.ndarray  # (C,) the new logit_bias
    before: dict         # validation metrics with the model's offsets as they were
    after: dict          # ... and with the new ones

    def record(self, class_counts, trained_power, chosen_on, source):
        """The 'calibration' entry of a calibrated checkpoint (plain types)."""
        return {"tau": self.tau, "logit_bias": [float(b) for b in self.offsets],
                "train_class_counts": [int(c) for c in class_counts], "trained_prior_power": trained_power,
                "chosen_on": chosen_on, "source": str(source)}


def calibrate(model, val_inputs, val_y, class_counts, trained_power):
    """Choose tau on the validation beats and set the model's logit_bias to its offsets, in place.

    class_counts: of the training labels, the priors the model learned (tilted by trained_power).
    """
    as_saved = model.logit_bias.numpy().copy()
    log_proba = log_probabilities(predict_proba(model, val_inputs, offsets=False))
    tau = fit_prior_tau(log_proba, val_y, class_counts, trained_power)
    offsets = prior_offsets(class_counts, tau, trained_power)
    model.logit_bias.copy_(torch.as_tensor(offsets, dtype=model.logit_bias.dtype))
    return Calibration(tau, offsets, classification_metrics(val_y, (log_proba + as_saved).argmax(1)),
                       classification_metrics(val_y, (log_proba + offsets).argmax(1)))
