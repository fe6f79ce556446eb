"""The machine's fonts in an fpdf2 document (badges.pdf, badges.roll_call): each font added the
first time a run of text needs it, embedded as a subset of the glyphs used, so that a sheet of
Latin names never carries a CJK font."""

from __future__ import annotations

import logging

from fpdf import FPDF

from badges.fonts import FontFile, chain, font_runs

# fpdf2 logs every glyph no font has; a badge sets such words in Latin letters before they are
# drawn (badges.typeset).
logging.getLogger("fpdf").setLevel(logging.ERROR)


class PdfFonts:
    """Font families of one PDF, by the font file (and index in a collection) they draw with."""

    def __init__(self, pdf: FPDF, extra: tuple[str, ...] = ()) -> None:
        self.pdf, self.extra = pdf, extra
        self.fonts = chain(extra)
        self.families: dict[tuple[str, int], str] = {}
        self.base = "helvetica"  # no font on this machine: Latin-1 only
        if self.fonts:
            first = self.family(self.fonts[0])
            if first != "helvetica":
                self.base = first
                pdf.set_text_shaping(True)

    @property
    def embedded(self) -> bool:
        return self.base != "helvetica"

    def family(self, font: FontFile | None) -> str:
        """The PDF's family for ``font`` (None: the first font), added on first use."""
        if font is None:
            if not self.fonts:
                return "helvetica"
            font = self.fonts[0]
        if font.key not in self.families:
            name = f"f{len(self.families)}"
            try:
                self.pdf.add_font(name, "", font.path, collection_font_number=font.index)
            except Exception:  # a font file fpdf2 cannot read is simply not used
                name = ""
            self.families[font.key] = name
        return self.families[font.key] or self.base

    def add_style(self, family: str, style: str, font: FontFile) -> bool:
        """Another style (bold) of a family already added: False if it cannot be read."""
        try:
            self.pdf.add_font(family, style, font.path, collection_font_number=font.index)
        except Exception:
            return False
        return True

    def prepare(self, text: str) -> str:
        """``text`` ready for a cell of mixed scripts: the fonts its runs need added as the
        document's fallbacks (fpdf2 then takes, per character, the first that has it); with no
        font at all, what Latin-1 lacks is a '?'."""
        if not self.embedded:
            return latin1(text)
        before = len(self.families)
        for _chunk, font in font_runs(text, self.extra):
            self.family(font)
        if len(self.families) != before:
            self.pdf.set_fallback_fonts(
                [name for name in self.families.values() if name and name != self.base]
            )
        return text


def latin1(text: str) -> str:
    """``text`` as fpdf2's own Helvetica writes it (no font on this machine): Latin-1, the rest
    a '?'."""
    return text.encode("latin-1", "replace").decode("latin-1")
