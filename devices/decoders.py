"""QR decoders behind one small interface, fastest first: zxing-cpp, pyzbar, OpenCV."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from devices.opencv import cv2
from eventdesk.errors import EnvironmentProblem, InvalidInput
from eventdesk.i18n import _

Image = npt.NDArray[np.uint8]
CHOICES = ("auto", "zxing", "zbar", "opencv")


class DecoderUnavailable(EnvironmentProblem):
    """The chosen decoder cannot run on this machine."""


class Decoder(Protocol):
    name: str
    version: str

    def decode(self, image: Image) -> list[str]:
        """Every QR code's text in the frame (BGR or grayscale), in reading order."""
        ...


def _gray(image: Image) -> Image:
    if image.ndim == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)  # type: ignore[return-value]
    return image


@dataclass
class ZxingDecoder:
    name = "zxing-cpp"
    version: str = ""
    _module: Any = None

    def __post_init__(self) -> None:
        try:
            import zxingcpp
        except ImportError as exc:  # pragma: no cover - installed with eventdesk
            raise DecoderUnavailable(
                _("zxing-cpp is not installed ({problem})").format(problem=exc)
            ) from None
        self._module = zxingcpp
        # Tickets (and the QR codes people carry) are QR model 2. zxing-cpp 3's "QRCode" family
        # also holds Micro QR, whose tiny symbols noise can fake: a ghost read at the door.
        formats = zxingcpp.BarcodeFormat
        self._formats = getattr(formats, "QRCodeModel2", formats.QRCode)
        self.version = getattr(zxingcpp, "__version__", "") or _dist_version("zxing-cpp")

    def decode(self, image: Image) -> list[str]:
        found = self._module.read_barcodes(_gray(image), formats=self._formats)
        return [r.text for r in found if r.valid and r.text]


@dataclass
class ZbarDecoder:
    name = "pyzbar"
    version: str = ""
    _decode: Any = None

    def __post_init__(self) -> None:
        try:
            from pyzbar import pyzbar
        except ImportError as exc:
            raise DecoderUnavailable(
                _(
                    "pyzbar cannot run: {problem} (install the zbar library: apt-get install "
                    "libzbar0)"
                ).format(problem=exc)
            ) from None
        symbols = [pyzbar.ZBarSymbol.QRCODE]
        self._decode = lambda gray: pyzbar.decode(gray, symbols=symbols)
        self.version = _dist_version("pyzbar")

    def decode(self, image: Image) -> list[str]:
        return [r.data.decode("utf-8", "replace") for r in self._decode(_gray(image)) if r.data]


@dataclass
class OpenCVDecoder:
    name = "opencv"
    version: str = cv2.__version__

    def __post_init__(self) -> None:
        # The ArUco-based detector finds every code in a frame where the classic one often
        # reports only one, reads more hard frames, and takes half the time.
        self._detector = cv2.QRCodeDetectorAruco()

    def decode(self, image: Image) -> list[str]:
        try:
            ok, texts, _points, _straight = self._detector.detectAndDecodeMulti(_gray(image))
        except cv2.error:
            return []
        return [t for t in texts if t] if ok else []


def _dist_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return ""


FACTORIES: dict[str, Callable[[], Decoder]] = {
    "zxing": ZxingDecoder,
    "zbar": ZbarDecoder,
    "opencv": OpenCVDecoder,
}


def make_decoder(choice: str = "auto") -> Decoder:
    """The chosen decoder, or for 'auto' the fastest that runs here."""
    if choice not in CHOICES:
        raise InvalidInput(
            _("decoder must be one of {choices}").format(choices=", ".join(CHOICES)),
            field="decoder",
        )
    if choice != "auto":
        return FACTORIES[choice]()
    for name in ("zxing", "zbar", "opencv"):
        try:
            return FACTORIES[name]()
        except DecoderUnavailable:
            continue
    raise DecoderUnavailable(  # pragma: no cover - OpenCV always can
        _("no QR decoder can run here")
    )


def describe(decoder: Decoder) -> str:
    return f"{decoder.name} {decoder.version}".strip()
