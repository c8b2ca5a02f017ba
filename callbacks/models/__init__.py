"""Follow-up callbacks and surveys (callbacks.py), complaints and quality reviews
(complaints.py)."""

from .callbacks import *  # noqa: F403
from .complaints import *  # noqa: F403
