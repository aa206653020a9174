"""Typed errors whose message tells the user what to do."""


class LumenError(ValueError):
    """Bad input a user can fix; the UI shows the message, the CLI prints it."""


class DataError(LumenError):
    """A data file or column mapping that cannot be used."""


class ModelError(LumenError):
    """A model that cannot be loaded or does not fit the data."""


class OfflineError(LumenError):
    """Something must be downloaded but there is no network and no cached copy."""


class WrongTaskError(ModelError):
    """A model made for another task than the one it was opened for.

    Attributes:
        task: what the model is for ("classification" or "regression"), so a
            caller can say where to open it instead.
    """

    def __init__(self, message: str, task: str) -> None:
        super().__init__(message)
        self.task = task


class PolicyError(LumenError):
    """Something this server's policy (public mode) does not allow a visitor."""
