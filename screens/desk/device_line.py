"""The desk's bottom line: the camera's state, and a badge printed for a ticket."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from eventdesk.i18n import N_, _
from eventdesk.labels import label
from screens.messages import BadgePrinted, CameraStatus

NO_CAMERA = N_("Camera: none configured · a USB scanner reads into Search or the scan field")


class DeviceLine(Static):
    """What the station's devices say (the app says it when a badge could not print)."""

    def camera(self, message: CameraStatus, *, configured: bool) -> None:
        state = message.state
        said = label("camera_state", state)
        if not configured:
            text = _(NO_CAMERA)
        elif message.detail:
            text = _("Camera: {state} ({detail})").format(state=said, detail=message.detail)
        else:
            text = _("Camera: {state}").format(state=said)
        self.update(Content(text))

    def printed(self, message: BadgePrinted) -> None:
        outcome = message.outcome
        if outcome.state == "done":
            job = outcome.job
            self.update(
                Content(
                    _("Badge for {ticket} printed on {printer}.").format(
                        ticket=job.ticket_id, printer=job.printer
                    )
                )
            )
