"""The model's inputs beside the beat, computed the same way for every source (model.InputSpec says which).

Named features (R-R intervals, template correlation and distance) come from a beat's context: for beat
CSVs the .meta.csv sidecar prepare_data.py writes (sidecar.py reads it), for recordings the detected
beats. The template is the recording's median beat (template.median_beat).
"""
import numpy as np
import pandas as pd

from . import rr, template
from .model import BeatInputs

SIDECAR_COLUMNS = rr.CONTEXT_COLUMNS + template.COLUMNS  # what prepare_data.py writes for every beat


def context_features(context, spec):
    """DataFrame with spec.context_columns (n rows) -> (n, len(spec.feature_names)) float32, or None when the
    model takes no named features."""
    parts = []
    if spec.rr_features:
        parts.append(rr.rr_features(context))
    if spec.template_features:
        parts.append(context[list(template.COLUMNS)].to_numpy(np.float32))
    return np.concatenate(parts, axis=1).astype(np.float32) if parts else None


def beat_context(beat_times_s, index, beats):
    """Context columns of the beats cut at beat_times_s[index] of one recording: the R-R context from all
    its beat times (the last beat, never cut for want of a successor, still closes an interval), the
    template context from the cut beats (n, 187)."""
    return pd.concat([rr.rr_context(beat_times_s).iloc[index].reset_index(drop=True),
                      template.template_context(beats)], axis=1)


def recording_inputs(spec, beat_times_s, index, beats):
    """BeatInputs of beats (n, 187) cut from one recording at beat_times_s[index]; the context is computed
    only when the model takes named features."""
    features = context_features(beat_context(beat_times_s, index, beats), spec) if spec.feature_names else None
    templates = (np.broadcast_to(template.median_beat(beats).astype(np.float32), np.shape(beats))
                 if spec.template_channel else None)
    return BeatInputs(np.asarray(beats, dtype=np.float32), features, templates)
