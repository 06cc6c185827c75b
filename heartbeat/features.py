"""The model's optional inputs beside the beat itself: R-R features and template features, by name, and
the template channel (the recording's median beat, which the model subtracts from the beat).

All come from the recording around the beat: for beat CSVs from the .meta.csv sidecar (and the
.templates.csv file) that prepare_data.py writes, for recordings from the detected beats, computed by
the same functions. In the model's extra-input matrix the named features come first, then the template.
"""
import numpy as np
import pandas as pd

from . import rr, template

SIDECAR_COLUMNS = rr.CONTEXT_COLUMNS + template.COLUMNS


def rr_average(model_args):
    """How the patient's average R-R is taken; checkpoints from before the choice existed used the median."""
    return model_args.get("rr_average", "median")


def template_channel(model_args):
    """Whether the model also takes the recording's median beat (checkpoints from before: no)."""
    return bool(model_args.get("template_channel", False))


def feature_names(model_args):
    """Names of the extra inputs a model with these constructor args takes, in input order."""
    return (rr.feature_names(rr_average(model_args)) if model_args.get("rr_features") else []) + \
           (list(template.COLUMNS) if model_args.get("template_features") else [])


def needed_columns(model_args):
    return (rr.context_columns(rr_average(model_args)) if model_args.get("rr_features") else []) + \
           (list(template.COLUMNS) if model_args.get("template_features") else [])


def beat_features(context, model_args):
    """DataFrame with the needed context columns (n rows) -> (n, len(feature_names)) float32, or None."""
    parts = []
    if model_args.get("rr_features"):
        parts.append(rr.rr_features(context, rr_average(model_args)))
    if model_args.get("template_features"):
        parts.append(context[template.COLUMNS].to_numpy(np.float32))
    return np.concatenate(parts, axis=1).astype(np.float32) if parts else None


def join_inputs(features, templates):
    """The extra-input matrix of a model: features (n, k) or None, then templates (n, L) or None; None if both are."""
    parts = [p for p in (features, templates) if p is not None]
    return np.concatenate(parts, axis=1).astype(np.float32) if parts else None


def beat_context(beat_times_s, index, beats):
    """Context columns of the beats cut at beat_times_s[index] of one recording: the R-R context from all
    its beat times (the last beat, never cut for want of a successor, still closes an interval), the
    template context from the cut beats (n, 187)."""
    return pd.concat([rr.rr_context(beat_times_s).iloc[index].reset_index(drop=True),
                      template.template_context(beats)], axis=1)


def recording_inputs(model_args, beat_times_s, index, beats):
    """The model's extra inputs for beats (n, L) cut from a recording, or None (without computing any context)
    when the model takes none."""
    features = (beat_features(beat_context(beat_times_s, index, beats), model_args)
                if needed_columns(model_args) else None)
    templates = (np.broadcast_to(template.median_beat(beats), np.shape(beats))
                 if template_channel(model_args) else None)
    return join_inputs(features, templates)
