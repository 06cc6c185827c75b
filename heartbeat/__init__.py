"""heartbeat: MIT-BIH heartbeat classification (Kachuee et al. 2018), rebuilt and tested.

Everything the scripts share lives here: beat cutting, dataset building and loading,
the model, config, checkpoints, training, metrics and inference.
"""

# The five AAMI classes, in the order of the Kaggle labels 0..4.
CLASSES = ("N", "S", "V", "F", "Q")
BEAT_LEN = 187  # values per beat row in the Kaggle CSVs


class UserError(ValueError):
    """A problem with the user's input (file, config, checkpoint): scripts print its message, no traceback."""
