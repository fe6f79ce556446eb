"""The app served to a browser (textual-serve), with everything its page needs from this server.

textual-serve's own page asks Google Fonts for its font: a browser on a network without the
internet (a wall screen at the venue) waits for it, then draws in whatever monospace font it
has. Our page (``templates/app_index.html``) loads the same Roboto Mono from textual-serve's own
static folder, starts the terminal once the font is there (the terminal measures its cells when
it starts) and fetches nothing from another host.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web
from textual_serve.server import Server

TEMPLATES = Path(__file__).resolve().parent / "templates"


class LocalServer(Server):
    """textual-serve's server with our page, and a text size of our choosing.

    ``font_size`` is the text size (CSS pixels) of a page opened without ``?fontsize=N``.
    """

    def __init__(
        self,
        command: str,
        *,
        host: str,
        port: int,
        title: str,
        public_url: str | None,
        font_size: int,
    ) -> None:
        super().__init__(
            command,
            host=host,
            port=port,
            title=title,
            public_url=public_url,
            templates_path=TEMPLATES,
        )
        self.font_size = font_size

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        if "fontsize" not in request.query:
            address = request.rel_url.update_query(fontsize=str(self.font_size))
            request = request.clone(rel_url=address)
        response: web.StreamResponse = await super().handle_index(request)
        return response
