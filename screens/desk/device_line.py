"""The desk's bottom line: the camera's state, and a badge printed for a ticket."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from screens.messages import BadgePrinted, CameraStatus

NO_CAMERA = "Camera: none configured · a USB scanner reads into Search or the scan field"


class DeviceLine(Static):
    """What the station's devices say (the app says it when a badge could not print)."""

    def camera(self, message: CameraStatus, *, configured: bool) -> None:
        if not configured:
            text = NO_CAMERA
        else:
            detail = f" ({message.detail})" if message.detail else ""
            text = f"Camera: {message.state}{detail}"
        self.update(Content(text))

    def printed(self, message: BadgePrinted) -> None:
        outcome = message.outcome
        if outcome.state == "done":
            job = outcome.job
            self.update(Content(f"Badge for {job.ticket_id} printed on {job.printer}."))
