"""The two ways data can fail, each with a message a workshop student can act on."""


class DataUnavailable(Exception):
    """The dataset exists but is not on this machine and cannot be downloaded now."""


class BadInput(ValueError):
    """The user's data (an upload, a folder, a name) cannot be used as it is."""
