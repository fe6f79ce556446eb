"""Devices: camera capture, QR decoders, keyboard-wedge input and printer transports.

No Textual import: devices report through callbacks and queues. OpenCV's own console logging is
silenced here; the devices report what matters in words a person can act on.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENCV_LOG_LEVEL", "SILENT")
