"""The model's optional inputs beside the beat itself, by name: R-R features and template features.

Both come from the recording around the beat: for beat CSVs from the .meta.csv sidecar that
prepare_data.py writes, for recordings from the detected beats, computed by the same functions.
"""
import numpy as np
import pandas as pd

from . import rr, template

SIDECAR_COLUMNS = rr.CONTEXT_COLUMNS + template.COLUMNS


def feature_names(model_args):
    """Names of the extra inputs a model with these constructor args takes, in input order."""
    return (list(rr.FEATURES) if model_args.get("rr_features") else []) + \
           (list(template.COLUMNS) if model_args.get("template_features") else [])


def needed_columns(model_args):
    return (list(rr.CONTEXT_COLUMNS) if model_args.get("rr_features") else []) + \
           (list(template.COLUMNS) if model_args.get("template_features") else [])


def beat_features(context, model_args):
    """DataFrame with the needed context columns (n rows) -> (n, len(feature_names)) float32, or None."""
    parts = []
    if model_args.get("rr_features"):
        parts.append(rr.rr_features(context))
    if model_args.get("template_features"):
        parts.append(context[template.COLUMNS].to_numpy(np.float32))
    return np.concatenate(parts, axis=1).astype(np.float32) if parts else None


def recording_context(beat_times_s, beats):
    """Context of the n cut beats of a recording: beat_times_s holds all n + 1 detected beats (the last
    one is not cut, having no successor, but it closes the last R-R interval)."""
    n = len(beats)
    return pd.concat([rr.rr_context(beat_times_s).iloc[:n].reset_index(drop=True), template.template_context(beats)],
                     axis=1)
