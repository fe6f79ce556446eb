"""Files the organizer's app writes for people to read (the door list, badge sheets, CSV
exports): where the organizer chose, offered first in the data folder's private exports/
(0700, as every folder of the data folder), and made 0600 before a byte is written, as a file
with names in it is (eventdesk.private). Each says, once written, what it holds
(eventdesk.services.data.holds)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from eventdesk.errors import InvalidInput
from eventdesk.i18n import _
from eventdesk.private import private_file
from screens.backend import Backend

EXPORTS = "exports"  # the data folder's own folder for them: not for translation, a folder's name


def suggested(backend: Backend, name: str) -> str:
    """The file offered for ``name``: DATA_DIR/exports/NAME."""
    return str(backend.config.data_dir / EXPORTS / name)


@contextmanager
def chosen_file(typed: str, *, field: str = "output") -> Iterator[Path]:
    """The file the organizer typed, ready to be written: its missing folders made 0700, the
    file made (or set) 0600; a clear InvalidInput when it cannot be. A file made here is
    removed again when the writing fails."""
    text = typed.strip()
    if not text:
        raise InvalidInput(_("Type the path of the file to write."), field=field)
    path = Path(text).expanduser()
    if path.is_dir():
        raise InvalidInput(
            _("{path} is a folder: type a file's name in it").format(path=path), field=field
        )
    existed = path.exists()
    try:
        private_file(path)
    except OSError as exc:
        raise InvalidInput(
            _("cannot write {path}: {problem}").format(path=path, problem=exc.strerror or exc),
            field=field,
        ) from None
    try:
        yield path
    except BaseException:
        if not existed:
            path.unlink(missing_ok=True)
        raise
