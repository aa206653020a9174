"""The defaults and rules of fine-tuning, importable without torch (the CLI's
``--help`` shows them): ``litcore.models.training`` applies them."""

# The rules of ``adapted_config``.
MIN_STEPS = 100  # small data trains for more epochs until it gets this many steps
LENGTH_QUANTILE = 0.9  # the max length covers this share of the texts...
MAX_LENGTH_BOUNDS = (32, 256)  # ...rounded up to a multiple of 8, within these
VALIDATION_SHARE = 0.1  # of each class, held out when that is >= 3 examples
MIN_VALIDATION_PER_CLASS = 3
ONE_CLASS_SHARE = 0.95  # a model predicting one class this often has collapsed
# ``TrainConfig``'s learning rate.
DEFAULT_LEARNING_RATE = 1e-4
