"""OpenCV, with its own console logging silenced: the devices report what matters in words a
person can act on (a camera that cannot be opened is said once, not as OpenCV's warnings)."""

from __future__ import annotations

import cv2
import cv2.utils.logging

cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)

__all__ = ["cv2"]
