"""The desk's bottom line: the camera's state, and a badge printed for a ticket."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from eventdesk.i18n import N_, _
from screens.messages import BadgePrinted, CameraStatus

NO_CAMERA = N_("Camera: none configured · a USB scanner reads into Search or the scan field")
# The camera's states (codes: devices.capture.CaptureState, and screens.devices's own) as the
# desk says them; a state not here is said as it comes.
CAMERA_STATES = {
    # TRANSLATORS: the camera's state
    "starting": N_("starting"),
    # TRANSLATORS: the camera's state
    "running": N_("running"),
    # TRANSLATORS: the camera's state: it gives no pictures
    "no frames": N_("no frames"),
    # TRANSLATORS: the camera's state
    "reconnecting": N_("reconnecting"),
    # TRANSLATORS: the camera's state: a video file played to its end
    "finished": N_("finished"),
    # TRANSLATORS: the camera's state
    "stopped": N_("stopped"),
    # TRANSLATORS: the camera's state
    "failed": N_("failed"),
    # TRANSLATORS: the camera's state: a ticket it read could not be checked in
    "check-in failed": N_("check-in failed"),
}


class DeviceLine(Static):
    """What the station's devices say (the app says it when a badge could not print)."""

    def camera(self, message: CameraStatus, *, configured: bool) -> None:
        state = message.state
        said = _(CAMERA_STATES[state]) if state in CAMERA_STATES else state
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
