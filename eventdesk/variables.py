"""Every ``EVENTDESK_*`` variable in one table: its name, its kind, its default and what it does.

Nothing else in eventdesk reads the environment for its own settings: ``load_config`` reads the
station's variables through ``read``, and the few that are not a station's setting (a bug's
traceback, the sign-in PIN of an unattended app, the terminal's graphics, the sound backend,
and the test suite's own) are read through ``read`` too, where they are used. A value of the
wrong kind is an error that names the variable. docs/configuration.md shows ``markdown_table()``
(a test checks that it is the table, and that every variable the docs name is in it).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from eventdesk.errors import InvalidInput
from eventdesk.i18n import N_, _

Kind = Literal["path", "url", "text", "secret", "seconds", "choice", "flag"]
Audience = Literal["station", "tests"]


@dataclass(frozen=True)
class Variable:
    """One ``EVENTDESK_*`` variable: ``default`` is what applies when it is unset (said in
    words where it is not a value), ``overrides`` the option or file key it stands beside."""

    name: str
    kind: Kind
    default: str
    help: str
    overrides: str = ""
    choices: tuple[str, ...] = ()
    low: float = 0.0
    high: float = 0.0
    audience: Audience = "station"
    blank_is_unset: bool = True  # False: spaces alone are a mistake (a script's empty value)

    def parse(self, text: str) -> str | float | bool | None:
        """The value ``text`` says (None: blank, so unset); a wrong one is refused by name."""
        given, text = text, text.strip()
        if not text:
            if given and not self.blank_is_unset:
                described = _(self.help)
                what = described[0].lower() + described[1:].rstrip(".")
                raise InvalidInput(
                    _("{name} is blank: give a value or unset it ({what})").format(
                        name=self.name, what=what
                    ),
                    field=self.name,
                )
            return None
        if self.kind == "flag":
            value = text.casefold()
            if value in ("1", "true", "yes", "on"):
                return True
            if value in ("0", "false", "no", "off"):
                return False
            raise InvalidInput(
                _("{name} must be 1 or 0, not {value!r}").format(name=self.name, value=text),
                field=self.name,
            )
        if self.kind == "choice":
            value = text.casefold()
            if value not in self.choices:
                # TRANSLATORS: the last of a list of choices: "auto, on or off"
                allowed = _("{choices} or {last}").format(
                    choices=", ".join(self.choices[:-1]), last=self.choices[-1]
                )
                raise InvalidInput(
                    _("{name} must be {allowed}, not {value!r}").format(
                        name=self.name, allowed=allowed, value=text
                    ),
                    field=self.name,
                )
            return value
        if self.kind == "seconds":
            try:
                seconds = float(text)
            except ValueError:
                seconds = -1.0
            if not self.low <= seconds <= self.high:
                raise InvalidInput(
                    _("{name} must be a number of seconds from {low:g} to {high:g}").format(
                        name=self.name, low=self.low, high=self.high
                    ),
                    field=self.name,
                )
            return seconds
        return text


VARIABLES: tuple[Variable, ...] = (
    Variable(
        "EVENTDESK_DATA_DIR",
        "path",
        "./data",
        "The station's data folder: its settings file, SQLite database, mirror, badges, backups.",
        overrides="--data-dir",
    ),
    Variable(
        "EVENTDESK_DATABASE_URL",
        "url",
        "SQLite at DATA_DIR/eventdesk.db",
        "The database: a SQLAlchemy URL (sqlite:///FILE, postgresql+psycopg://USER@HOST/DB) "
        "or an SQLite file's path.",
        overrides="--db, [database] url",
    ),
    Variable(
        "EVENTDESK_STATION",
        "text",
        "the host name",
        # Read in an error when the variable is blank (blank_is_unset=False): translated there.
        N_("This station's name, as the scan log and the stats show it."),
        overrides="--station, station",
        blank_is_unset=False,
    ),
    Variable(
        "EVENTDESK_OFFLINE_AFTER",
        "seconds",
        "1.0",
        "On a server: seconds without an answer before the station decides from its mirror.",
        overrides="[station] offline_after",
        low=0.1,
        high=60,
    ),
    Variable(
        "EVENTDESK_SOUND",
        "choice",
        "auto",
        "A sound per answer: auto is on at a kiosk and `scan`, off at the desk.",
        overrides="[station] sound",
        choices=("auto", "on", "off"),
    ),
    Variable(
        "EVENTDESK_LANG",
        "text",
        "en",
        "The language of every text the station shows (en, de, fr, es, or any with a catalogue).",
        overrides="--lang, [station] language",
    ),
    Variable(
        "EVENTDESK_KIOSK_THEME",
        "choice",
        "standard",
        "The kiosk's colours.",
        overrides="[station] kiosk_theme",
        choices=("standard", "high-contrast"),
    ),
    Variable(
        "EVENTDESK_SIGN_IN_PIN",
        "secret",
        "asked",
        "The PIN of `eventdesk app --sign-in-as NAME`, for an app started unattended "
        "(a kiosk's start-up script); otherwise it is asked.",
    ),
    Variable(
        "EVENTDESK_GRAPHICS",
        "choice",
        "asked of the terminal",
        "How the terminal shows a picture (the kiosk's answer, a badge's preview): kitty, "
        "sixel, or cells (half-character blocks, any terminal).",
        choices=("kitty", "sixel", "cells"),
    ),
    Variable(
        "EVENTDESK_SOUND_BACKEND",
        "text",
        "auto",
        "Where sounds go, for diagnosis: auto (the machine's sound systems), a backend's name "
        "(alsa, pulseaudio, jack, ...), null (a device-less backend heard by nobody) or none "
        "(as a machine with no sound device).",
    ),
    Variable(
        "EVENTDESK_DEBUG",
        "flag",
        "0",
        "1: a bug's traceback is shown instead of its one line.",
    ),
    Variable(
        "EVENTDESK_TEST_POSTGRES_URL",
        "url",
        "unset: a throwaway cluster of the machine's PostgreSQL programs",
        "The PostgreSQL server the tests make their databases on "
        "(postgresql+psycopg://postgres@127.0.0.1:5432/test); unset, the tests start a "
        "throwaway cluster of their own.",
        audience="tests",
    ),
    Variable(
        "EVENTDESK_BENCH_POSTGRES_URL",
        "url",
        "unset: SQLite only",
        "The PostgreSQL server the benchmarks under bench/ measure on.",
        audience="tests",
    ),
    Variable(
        "EVENTDESK_TEST_DEMO_DAY",
        "text",
        "today",
        "Runs the tests as if on another day: an ISO date (2031-03-09) or a signed number of "
        "days (+1500, -700), optionally with a time of day (2031-03-09T10:30, +0T23:55).",
        audience="tests",
    ),
)
BY_NAME: Mapping[str, Variable] = {variable.name: variable for variable in VARIABLES}


def read(name: str, environ: Mapping[str, str] | None = None) -> str | float | bool | None:
    """The value of variable ``name`` (None when unset or blank), checked by its kind."""
    env = os.environ if environ is None else environ
    return BY_NAME[name].parse(env.get(name, ""))


def read_text(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """A variable whose value is text (a path, a URL, a choice): None when unset."""
    value = read(name, environ)
    return value if isinstance(value, str) else None


# Set by the system, not by the station's staff (so not in the table): read here all the same.
SYSTEM = ("XDG_RUNTIME_DIR",)  # the user's private folder in memory (services.stations.copy_key)


def system(name: str) -> str | None:
    """A variable the system sets (one of SYSTEM): None when unset or blank."""
    if name not in SYSTEM:
        raise KeyError(name)
    return os.environ.get(name, "").strip() or None


def markdown_table(audience: Audience = "station") -> str:
    """The variables for ``audience`` as docs/configuration.md shows them."""
    lines = ["| Variable | Default | Stands beside | What it does |", "|---|---|---|---|"]
    for variable in VARIABLES:
        if variable.audience != audience:
            continue
        what = variable.help
        if variable.choices:
            what += " One of: " + ", ".join(f"`{choice}`" for choice in variable.choices) + "."
        elif variable.kind == "seconds":
            what += f" From {variable.low:g} to {variable.high:g}."
        beside = variable.overrides or "-"
        lines.append(f"| `{variable.name}` | {variable.default} | {beside} | {what} |")
    return "\n".join(lines) + "\n"
