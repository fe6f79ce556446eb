"""Brother QL label printers (the QL-500 to QL-1100 family): a badge as the printer's raster
language, and the 32-byte status the printer sends back, both through brother_ql (the
brother-ql-next distribution), which knows every model's and every label's dots.

A badge is drawn by its layout (``badges.picture.draw``, the same drawing as its PNG and ESC/POS
raster) on the label's printable area, made black and white by a plain threshold (no
dithering) and handed to brother_ql's ``convert`` with the cut on. A QL cannot print to the
tape's edges (a 62 mm tape has 696 printable dots, 58.9 mm), so how the badge goes on it is
decided once (``fitting``) and said wherever the badge is made (``Fitting.said``: the badge
command, the print job's detail), never silently:

- a layout of the label's size whose elements all lie inside the printable area (a ribbon
  may run over it, as a bleed) prints at full size: drawn as laid out, its unprintable edges
  left off;
- any other is drawn again for the printable area (``badges.layout.fitted``: scaled as a
  whole, centred), at the size it prints at, never a picture shrunk after drawing; on endless
  tape it takes the printable width and as much tape as it needs (at least the model's
  shortest label), on a die-cut label it fits inside its printable dots, turned a quarter when
  that prints it larger (a portrait badge on a landscape label);
- a label too small for a layout to be drawn for it (12 mm tape) gets the picture scaled.

The status (``parse_status``) says what a person has to do in a plain sentence (``problem``):
out of labels, cover open, a wrong label loaded...
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

# brother_ql has no type information: its names are Any here.
from brother_ql.conversion import convert  # type: ignore[import-untyped]
from brother_ql.exceptions import BrotherQLError  # type: ignore[import-untyped]
from brother_ql.labels import FormFactor, Label, LabelsManager  # type: ignore[import-untyped]
from brother_ql.models import Model, ModelsManager  # type: ignore[import-untyped]
from brother_ql.raster import BrotherQLRaster  # type: ignore[import-untyped]
from brother_ql.reader import interpret_response  # type: ignore[import-untyped]
from PIL import Image

from badges.badge import MM_PER_INCH, Badge, LabelSize
from badges.layout import Layout, fitted, layout_of, mono
from badges.picture import draw
from eventdesk.errors import InvalidInput
from eventdesk.i18n import N_, _
from eventdesk.values import number_text

# The library logs every error bit it reads at ERROR level; the station says them itself, once,
# as a sentence (the app's own logging, when it sets one up, still gets them).
logging.getLogger("brother_ql").addHandler(logging.NullHandler())

DEFAULT_MODEL = "QL-810W"
DEFAULT_LABEL = "62"
DPI = 300  # every QL prints 300 dots per inch across the head (some 600 along it: not used)
STATUS_SIZE = 32
STATUS_HEADER = b"\x80\x20\x42"  # print head mark, size 32, "B"


def models() -> list[str]:
    """The printer models brother_ql knows (QL-500 ... QL-1115NWB)."""
    return list(ModelsManager().identifiers())


def labels() -> list[str]:
    """The labels brother_ql knows: "62" (endless), "62x100" (die-cut), "d24" (round)..."""
    return list(LabelsManager().identifiers())


def printer_model(name: str) -> Model:
    """A model by name (any case), or InvalidInput naming the known ones."""
    wanted = str(name).strip().upper()
    found = ModelsManager().get(wanted)
    if found is None:
        raise InvalidInput(
            _("{name!r} is not a Brother QL model (known: {known})").format(
                name=name, known=", ".join(models())
            ),
            field="model",
        )
    return found


def label_kind(name: str, model: str | None = None) -> Label:
    """A label by name (e.g. 62, 62x100), or InvalidInput naming the known ones; with
    ``model``, also one that model can print (102 mm labels need a QL-10xx or QL-11xx)."""
    wanted = str(name).strip().lower()
    found = LabelsManager().get(wanted)
    if found is None:
        raise InvalidInput(
            _(
                "{name!r} is not a Brother QL label (known: {known}; a number is endless tape of "
                "that width in mm, WxH a die-cut label)"
            ).format(name=name, known=", ".join(labels())),
            field="label",
        )
    if model is not None:
        made = printer_model(model)
        if found.restricted_to_models and made.identifier not in found.restricted_to_models:
            raise InvalidInput(
                # TRANSLATORS: {label} is a label's code (102), {name} its description, {model}
                # a printer model (QL-810W)
                _(
                    "the {label} label ({name}) does not fit a {model} (it needs one of {models})"
                ).format(
                    label=found.identifier,
                    name=found.name,
                    model=made.identifier,
                    models=", ".join(found.restricted_to_models),
                ),
                field="label",
            )
        shortest = int(made.min_max_length_dots[0])
        if not _endless(found) and found.dots_printable[1] < shortest:
            raise InvalidInput(
                _(
                    "the {label} label ({name}) is shorter than a {model} prints ({shortest} dots "
                    "at least)"
                ).format(
                    label=found.identifier,
                    name=found.name,
                    model=made.identifier,
                    shortest=shortest,
                ),
                field="label",
            )
    return found


def check(model: str, label: str) -> tuple[str, str]:
    """The model's and the label's names as brother_ql spells them; InvalidInput when either
    is unknown or they do not go together."""
    return printer_model(model).identifier, label_kind(label, model).identifier


# --- the badge ------------------------------------------------------------------------------
def _endless(label: Label) -> bool:
    return bool(label.form_factor == FormFactor.ENDLESS)


def _scale(size: tuple[int, int], room: tuple[int, int]) -> float:
    """How much a picture of ``size`` is scaled to fit ``room`` (a height of 0: endless)."""
    across = room[0] / size[0]
    return across if room[1] == 0 else min(across, room[1] / size[1])


def _turned(picture: Image.Image, room: tuple[int, int]) -> bool:
    """Whether the picture prints turned a quarter: on a die-cut label when that prints it
    larger; on endless tape when that keeps it nearer the size it was drawn at (a landscape
    badge would otherwise shrink to the tape's width)."""
    return _turned_size(picture.size, room)


def _turned_size(size: tuple[int, int], room: tuple[int, int]) -> bool:
    upright = _scale(size, room)
    turned = _scale((size[1], size[0]), room)
    if room[1] == 0:
        return abs(math.log(turned)) < abs(math.log(upright))
    return turned > upright * 1.01


def fit(picture: Image.Image, model: str, label: str) -> Image.Image:
    """``picture`` (black on white) on the label's printable dots as the 1-bit image the
    printer prints: scaled to fit without distortion, turned when that prints it better,
    thresholded without dithering. Endless tape: the printable width across, the length the
    picture needs (at least the model's shortest). Die-cut: exactly the label's dots."""
    made, kind = printer_model(model), label_kind(label, model)
    room: tuple[int, int] = (int(kind.dots_printable[0]), int(kind.dots_printable[1]))
    grey = picture.convert("L")
    if _turned(grey, room):
        grey = grey.rotate(90, expand=True)
    scale = _scale(grey.size, room)
    if room[1] == 0:
        size = (room[0], max(1, round(grey.height * scale)))
    else:
        size = (
            min(room[0], max(1, round(grey.width * scale))),
            min(room[1], max(1, round(grey.height * scale))),
        )
    if size != grey.size:
        grey = grey.resize(size, Image.Resampling.BOX)
    shortest = int(made.min_max_length_dots[0])
    canvas_size = (room[0], max(size[1], shortest)) if room[1] == 0 else room
    canvas = Image.new("L", canvas_size, 255)
    canvas.paste(grey, ((canvas_size[0] - size[0]) // 2, (canvas_size[1] - size[1]) // 2))
    return mono(canvas)  # the threshold every raster output uses: they agree dot for dot


@dataclass(frozen=True)
class Fitting:
    """How a layout goes onto a QL's label: the tape or label, its printable area, and the
    scale the badge prints at (1.0: as laid out)."""

    label: str  # brother_ql's name of the label: 62 (endless), 62x100 (die-cut)
    tape_mm: tuple[int, int]  # the tape's width and the label's length (0: endless)
    printable_mm: tuple[float, float]  # the printable width and length (0: endless)
    scale: float
    turned: bool = False  # printed a quarter turned (its height across the tape)
    drawn: str = "as laid out"  # as laid out | for the printable area | scaled (the picture)

    @property
    def endless(self) -> bool:
        return self.tape_mm[1] == 0

    @property
    def said(self) -> str:
        """The tape, its printable width and the scale, in a sentence (e.g. "62 mm tape:
        printable 58.9 mm; badge at full size")."""
        width, length = (number_text(v, 1) for v in self.printable_mm)
        if self.endless:
            # TRANSLATORS: a Brother QL's endless tape, {width} its width in mm (62)
            tape = _("{width} mm tape").format(width=self.tape_mm[0])
            printable = _("{width} mm").format(width=width)
        else:
            # TRANSLATORS: a Brother QL's die-cut label, its size in mm (62 x 100)
            tape = _("{width} x {length} mm label").format(
                width=self.tape_mm[0], length=self.tape_mm[1]
            )
            printable = _("{width} x {length} mm").format(width=width, length=length)
        percent = round(self.scale * 100)
        if self.drawn == "as laid out":
            how = _("badge at full size")
        elif self.drawn == "scaled":
            how = _("badge scaled to {percent}%").format(percent=percent)
        elif self.turned:
            how = _("badge turned a quarter and drawn at {percent}% to fit it").format(
                percent=percent
            )
        else:
            how = _("badge drawn at {percent}% to fit it").format(percent=percent)
        # TRANSLATORS: e.g. "62 mm tape: printable 58.9 mm; badge drawn at 95% to fit it"
        return _("{tape}: printable {printable}; {how}").format(
            tape=tape, printable=printable, how=how
        )

    def keys(self) -> dict[str, object]:
        """What the badge command's JSON says of it."""
        return {
            "label": self.label,
            "printable_width_mm": round(self.printable_mm[0], 1),
            "printable_length_mm": round(self.printable_mm[1], 1) or None,
            "scale": round(self.scale, 3),
            "turned": self.turned,
            "drawn": self.drawn,
            "fit": self.said,
        }


def _mm(dots: float) -> float:
    return dots / DPI * MM_PER_INCH


EDGE = 0.05  # mm: what an element may lie over the printable area's edge (rounding)


def _inside(layout: Layout, kind: Label) -> bool:
    """Whether ``layout`` is the label's size and all it prints (a ribbon aside: a bleed) lies
    inside the label's printable area."""
    width, length = (float(v) for v in kind.tape_size)
    if abs(layout.width_mm - width) > 0.5 or (length and abs(layout.height_mm - length) > 0.5):
        return False
    side = (width - _mm(kind.dots_printable[0])) / 2
    end = (length - _mm(kind.dots_printable[1])) / 2 if length else 0.0
    return all(
        e.x >= side - EDGE
        and e.x + e.width <= layout.width_mm - side + EDGE
        and e.y >= end - EDGE
        and e.y + e.height <= layout.height_mm - end + EDGE
        for e in layout.elements
        if e.kind != "ribbon"
    )


def fitting(layout: Layout, *, model: str = DEFAULT_MODEL, label: str = DEFAULT_LABEL) -> Fitting:
    """How ``layout`` goes onto ``label`` on ``model`` (see the module's note)."""
    kind = label_kind(label, model)
    room: tuple[int, int] = (int(kind.dots_printable[0]), int(kind.dots_printable[1]))
    printable = (_mm(room[0]), _mm(room[1]))
    tape = (int(kind.tape_size[0]), int(kind.tape_size[1]))
    said = {"label": str(kind.identifier), "tape_mm": tape, "printable_mm": printable}
    size = layout.size(DPI)
    turned = _turned_size((size.width_dots, size.height_dots), room)
    if not turned and _inside(layout, kind):
        return Fitting(**said, scale=1.0)  # type: ignore[arg-type]
    across, along = layout.width_mm, layout.height_mm
    if turned:
        across, along = along, across
    scale = printable[0] / across
    if room[1]:
        scale = min(scale, printable[1] / along)
    drawn = (
        "for the printable area"
        if _drawable(_target(layout, scale, printable, turned))
        else "scaled"
    )
    return Fitting(**said, scale=scale, turned=turned, drawn=drawn)  # type: ignore[arg-type]


def ql_fitting(badge: Badge, model: str, label: str) -> Fitting:
    """How ``badge``'s own layout goes onto ``label`` on ``model``."""
    return fitting(layout_of(badge), model=model, label=label)


def _target(
    layout: Layout, scale: float, printable: tuple[float, float], turned: bool
) -> tuple[float, float]:
    """The size ``layout`` is drawn at for the printable area, in its own turn: scaled on
    endless tape (as long as it needs), the printable area on a die-cut label (centred in it)."""
    if not printable[1]:
        return layout.width_mm * scale, layout.height_mm * scale
    return (printable[1], printable[0]) if turned else printable


def _drawable(size: tuple[float, float]) -> bool:
    """Whether a layout can be drawn at ``size`` (mm): a label's size it takes."""
    try:
        LabelSize(size[0], size[1], DPI)
    except InvalidInput:
        return False
    return True


def picture(
    badge: Badge,
    *,
    model: str = DEFAULT_MODEL,
    label: str = DEFAULT_LABEL,
    layout: Layout | None = None,
    fonts: tuple[str, ...] = (),
) -> Image.Image:
    """The 1-bit image a QL prints for ``badge``: its layout (by default the badge's own) on
    the label's printable dots, as ``fitting`` says."""
    check(model, label)
    laid = layout or layout_of(badge)
    how = fitting(laid, model=model, label=label)
    if how.drawn == "scaled":
        return fit(draw(badge, laid, dpi=DPI, fonts=fonts), model, label)
    made, kind = printer_model(model), label_kind(label, model)
    room: tuple[int, int] = (int(kind.dots_printable[0]), int(kind.dots_printable[1]))
    if how.drawn == "for the printable area":
        laid = fitted(laid, *_target(laid, how.scale, how.printable_mm, how.turned))
    drawn = draw(badge, laid, dpi=DPI, fonts=fonts)
    if how.turned:
        drawn = drawn.rotate(90, expand=True)
    length = room[1] or max(drawn.height, int(made.min_max_length_dots[0]))
    canvas = Image.new("L", (room[0], length), 255)
    # Centred: as laid out, the picture's edges outside the printable dots are left off.
    canvas.paste(drawn, ((room[0] - drawn.width) // 2, (length - drawn.height) // 2))
    return mono(canvas)  # the threshold every raster output uses: they agree dot for dot


def raster(image: Image.Image, *, model: str = DEFAULT_MODEL, label: str = DEFAULT_LABEL) -> bytes:
    """brother_ql's raster instructions for a 1-bit image of the label's printable dots (as
    ``fit`` makes it): cut after the label, uncompressed (the library's PackBits is pure
    Python: compressing took 40 ms a badge, sending the 100 kB it saves takes a millisecond
    on a local network)."""
    made, kind = printer_model(model), label_kind(label, model)
    qlr = BrotherQLRaster(made.identifier)
    qlr.exception_on_warning = True  # a command the model lacks is left out, not logged
    try:
        data = convert(
            qlr,
            [image.convert("L")],  # black and white already: the library's threshold keeps it
            kind.identifier,
            cut=True,
            dither=False,
            compress=False,
            red=False,
            rotate=0,
            dpi_600=False,
            hq=True,
        )
    except BrotherQLError as exc:  # a picture the model cannot take: a bug of ours, said plainly
        raise InvalidInput(
            _("brother_ql cannot make this label: {problem}").format(problem=exc), field="label"
        ) from None
    return bytes(data)


def render_ql(
    badge: Badge,
    *,
    model: str = DEFAULT_MODEL,
    label: str = DEFAULT_LABEL,
    layout: Layout | None = None,
    fonts: tuple[str, ...] = (),
) -> bytes:
    """One badge as a Brother QL raster job for ``model`` on ``label``."""
    image = picture(badge, model=model, label=label, layout=layout, fonts=fonts)
    return raster(image, model=model, label=label)


# --- the printer's status -------------------------------------------------------------------
def status_request(model: str = DEFAULT_MODEL) -> bytes:
    """What asks a QL for its status: invalidate (the model's count of zero bytes, which ends
    anything half sent), initialize, ESC i S. The printer answers with 32 bytes."""
    qlr = BrotherQLRaster(printer_model(model).identifier)
    qlr.add_invalidate()
    qlr.add_initialize()
    qlr.add_status_information()
    return bytes(qlr.data)


REPLY = "Reply to status request"
COMPLETED = "Printing completed"
ERROR = "Error occurred"
NO_MEDIA = "No media"

OUT_OF_LABELS = N_("out of labels")
COVER_OPEN = N_("cover open")
WRONG_LABEL = N_("wrong label loaded")

# brother_ql's words for each error bit, as a person at the printer reads them (in English here:
# translated where said, ``QLStatus.problem``).
SAID = {
    "No media when printing": OUT_OF_LABELS,
    "End of media (die-cut size only)": OUT_OF_LABELS,
    "Media cannot be fed (also when the media end is detected)": OUT_OF_LABELS,
    "Cover opened while printing (Except QL-500)": COVER_OPEN,
    "Replace media error": WRONG_LABEL,
    # TRANSLATORS: a label printer's state, said after "printer NAME: "
    "Tape cutter jam": N_("cutter jammed"),
    # TRANSLATORS: a label printer's state, said after "printer NAME: "
    "Printer turned off": N_("switched off"),
    # TRANSLATORS: a label printer's state, said after "printer NAME: "
    "Main unit in use (QL-560/650TD/1050)": N_("busy"),
    # TRANSLATORS: a label printer's state, said after "printer NAME: "
    "Fan doesn't work (QL-1050/1060N)": N_("its fan does not work"),
    # TRANSLATORS: a label printer's state, said after "printer NAME: "
    "Expansion buffer full error": N_("its buffer is full"),
    "Transmission / Communication error": N_("communication error"),
    "System error": N_("system error"),
}


@dataclass(frozen=True)
class QLStatus:
    """One 32-byte status of a QL, as brother_ql reads it."""

    kind: str  # Reply to status request | Printing completed | Error occurred | Phase change...
    phase: str  # Waiting to receive | Printing state
    model: str  # the model the printer says it is
    media: str  # No media | Continuous length tape | Die-cut labels
    width_mm: int
    length_mm: int  # 0 for endless tape
    loaded: str | None  # brother_ql's name of the label loaded (62, 29x90...), when it knows it
    errors: tuple[str, ...]  # brother_ql's words for the error bits set
    expected: str | None = None  # the label the printer's settings name

    @property
    def done(self) -> bool:
        """The printer says it printed the job."""
        return self.kind == COMPLETED and not self.errors

    @property
    def offline(self) -> bool:
        return "Printer turned off" in self.errors

    @property
    def problem(self) -> str | None:
        """What is wrong, in a plain sentence (in the reader's language), or None."""
        said = [SAID.get(error) for error in self.errors]
        if self.media == NO_MEDIA or OUT_OF_LABELS in said:
            return _(OUT_OF_LABELS)
        if COVER_OPEN in said:
            return _(COVER_OPEN)
        wrong = self._wrong_label()
        if wrong:
            return wrong
        if self.errors:  # an error bit of ours in our words; another in brother_ql's
            known = said[0]
            return _(known) if known is not None else self.errors[0].lower()
        if self.kind == ERROR:
            # TRANSLATORS: a label printer's state, said after "printer NAME: "
            return _("printer error")
        return None

    def _wrong_label(self) -> str | None:
        replace = "Replace media error" in self.errors
        if self.expected is None:
            return _(WRONG_LABEL) if replace else None
        want = LabelsManager().get(self.expected)
        if want is None:
            return None
        endless = want.form_factor == FormFactor.ENDLESS
        fits = (self.width_mm, self.length_mm) == tuple(want.tape_size) and (
            self.media == "Continuous length tape"
        ) == endless
        if fits and not replace:
            return None
        if fits:
            return _(WRONG_LABEL)
        return _("wrong label loaded: {loaded} in the printer, {expected} expected").format(
            loaded=self.loaded_name, expected=self.expected
        )

    @property
    def loaded_name(self) -> str:
        if self.loaded:
            return self.loaded
        if self.length_mm:
            return f"{self.width_mm}x{self.length_mm} mm"
        return f"{self.width_mm} mm"


def parse_status(reply: bytes, *, expected: str | None = None) -> QLStatus:
    """The first 32 bytes of ``reply``, a QL's status, read by brother_ql; ``expected``: the
    label the settings name (a different one loaded is a problem). ValueError when it is not
    a QL's status."""
    if len(reply) < STATUS_SIZE or not reply.startswith(STATUS_HEADER):
        raise ValueError("not a Brother QL status (32 bytes starting 80 20 42)")
    read = interpret_response(reply[:STATUS_SIZE])
    found = read.get("identified_media")
    return QLStatus(
        kind=str(read["status_type"]),
        phase=str(read["phase_type"]),
        model=str(read["model_name"]),
        media=str(read["media_type"]),
        width_mm=int(read["media_width"]),
        length_mm=int(read["media_length"]),
        loaded=str(found.identifier) if found is not None else None,
        errors=tuple(str(e) for e in read["errors"]),
        expected=label_kind(expected).identifier if expected is not None else None,
    )
