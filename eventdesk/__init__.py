"""eventdesk core: configuration, the store, the domain services and the CLI.

This package never imports a UI or device library (textual, cv2, decoders, printers).
"""

from __future__ import annotations

__version__ = "0.1.0"
