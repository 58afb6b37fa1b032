"""labelhook from Python: the mock Label Studio (``Server``) and the webhook
receiver (``Receiver``) as context managers, and a pytest plugin
(``labelhook.plugin``) with the fixtures ``labelhook_server`` and
``labelhook_receiver``.

The package runs the ``labelhook`` binary; ``find_binary`` says where it
looks. It needs nothing but the standard library (pytest for the plugin).
"""

from ._binary import find_binary
from .errors import (
    ApiError,
    BinaryNotFoundError,
    LabelhookError,
    StartError,
    WaitTimeoutError,
)
from .receiver import Receiver
from .server import Server

# The Python package is released with the Go module: tag vX.Y.Z carries
# __version__ == "X.Y.Z" (checked by the package's tests on a tagged commit).
__version__ = "0.1.0"

__all__ = [
    "ApiError",
    "BinaryNotFoundError",
    "LabelhookError",
    "Receiver",
    "Server",
    "StartError",
    "WaitTimeoutError",
    "__version__",
    "find_binary",
]
