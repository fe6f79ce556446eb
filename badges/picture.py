"""A badge's picture: its layout drawn black on white at a printer's resolution, the text as
``badges.typeset`` set it. Every raster output prints this picture (PNG keeps its grey, ESC/POS,
Brother QL and ZPL's graphic fields print its dots), and the PDF draws the same lines at the
same size in the same places (badges.pdf)."""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont

from badges.badge import MM_PER_INCH, Badge
from badges.fonts import FontFile, load
from badges.layout import Element, Layout, _logo, dark, qr_modules
from badges.typeset import Plan, SetText, typeset


def draw(
    badge: Badge, layout: Layout, *, dpi: int = 300, fonts: tuple[str, ...] = ()
) -> Image.Image:
    """The badge drawn by ``layout``, black on white, at ``dpi``."""
    return paint(badge, typeset(badge, layout, fonts), dpi=dpi)


def paint(badge: Badge, plan: Plan, *, dpi: int = 300) -> Image.Image:
    """The badge with its text set by ``plan``, at ``dpi``."""
    layout = plan.layout
    size = layout.size(dpi)
    coloured = any(t.fill is not None for t in plan.texts)  # a ribbon coloured by an answer
    image = Image.new("RGB" if coloured else "L", (size.width_dots, size.height_dots), "white")
    pen = ImageDraw.Draw(image)
    texts = {id(t.element): t for t in plan.texts}

    def dots(mm: float) -> int:
        return round(mm / MM_PER_INCH * dpi)

    for element in layout.elements:
        left, top = dots(element.x), dots(element.y)
        width, height = dots(element.width), dots(element.height)
        if element.kind == "qr":
            if badge.payload:
                side = min(width, height)
                code = qr_modules(badge.payload).resize((side, side), Image.Resampling.NEAREST)
                code = code.convert(image.mode)
                image.paste(code, (left + (width - side) // 2, top + (height - side) // 2))
        elif element.kind == "logo":
            if element.data:
                logo = _logo(element.data, width, height).convert(image.mode)
                image.paste(
                    logo, (left + (width - logo.width) // 2, top + (height - logo.height) // 2)
                )
        elif id(element) in texts:
            _text(pen, texts[id(element)], element, dpi)
    return image


def _text(pen: ImageDraw.ImageDraw, text: SetText, element: Element, dpi: int) -> None:
    def dots(mm: float) -> float:
        return mm / MM_PER_INCH * dpi

    coloured = pen.mode == "RGB"
    ink: int | tuple[int, int, int] = (0, 0, 0) if coloured else 0
    if text.white:
        left, top = round(dots(element.x)), round(dots(element.y))
        right = left + round(dots(element.width))
        bottom = top + round(dots(element.height))
        band = text.fill or (0, 0, 0)
        pen.rectangle((left, top, right, bottom), fill=band if coloured else 0)
        light = 255 if dark(band) else 0
        ink = (light, light, light) if coloured else light
    pixels = max(round(text.size_pt * dpi / 72, 2), 1.0)  # FreeType sets fractional sizes
    for n, line in enumerate(text.lines):
        x_mm, baseline_mm = text.origin(n)
        x, baseline = dots(x_mm), dots(baseline_mm)
        fonts = [_font(run.font, pixels) for run in line.runs]
        drawn = sum(pen.textlength(r.text, font=f) for r, f in zip(line.runs, fonts, strict=True))
        planned = dots(line.width_pt * MM_PER_INCH / 72)
        if text.align == "center":  # hinted at this size, a line is a little wider or narrower
            x += (planned - drawn) / 2
        elif text.align == "right":
            x += planned - drawn
        for run, font in zip(line.runs, fonts, strict=True):
            pen.text((x, baseline), run.text, font=font, fill=ink, anchor="ls")
            x += pen.textlength(run.text, font=font)


def _font(font: FontFile | None, pixels: float) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return load(*font.key, pixels) if font is not None else ImageFont.load_default(size=pixels)
