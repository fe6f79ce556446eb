"""Brother QL label printers: the raster read back by brother_ql's own reader dot for dot, the
printer's status as a sentence, and a fake QL (testkit.brother) on a loopback socket and on a
pseudo-terminal standing in for its USB device file, fed by the real print queue and worker:
a fault keeps the job waiting with its reason, and it prints once the fault is cleared."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import zxingcpp
from brother_ql.labels import LabelsManager  # type: ignore[import-untyped]
from brother_ql.models import ModelsManager  # type: ignore[import-untyped]
from brother_ql.reader import BrotherQLReader  # type: ignore[import-untyped]
from PIL import Image

from badges import Badge, load_badge
from badges.brother import (
    check,
    fit,
    fitting,
    parse_status,
    picture,
    raster,
    render_ql,
    status_request,
)
from badges.fonts import has_font_for
from badges.layout import built_in, fitted, mono, parse_layout
from badges.picture import draw
from devices import printers as printers_module
from devices.print_worker import PrintWorker, drain
from devices.printers import PrinterSpec, printers_from_config
from eventdesk.db import Store
from eventdesk.errors import InvalidInput
from eventdesk.services.door import printing
from eventdesk.services.door.checkin import Checkin
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from testkit import brother as fake_ql
from testkit.brother import FakeQL
from tests.clitools import Cli
from tests.door.test_printing import event_now, guest

ARABIC, CHINESE = "سارة الحربي", "山田太郎"
# The name the printer tests' guests have: the first of these this machine has a font for (the
# worker fails a badge whose name would print as boxes, and these tests are about the printer;
# every script on a badge is tested in test_badge_outputs, which .ci/run gives the Noto fonts).
DRAWN = next((name for name in (CHINESE, ARABIC, "Zoë Müller") if has_font_for(name)), CHINESE)


def a_badge(name: str = ARABIC, company: str | None = CHINESE) -> Badge:
    return Badge(
        ticket_id="T-QL-1",
        name=name,
        company=company,
        ticket_type="VIP",
        ribbon="VIP",
        event="Summit 2030",
        date="1 June 2030",
        payload="ED1.ql-test-payload-0123456789",
    )


def read_back(data: bytes, folder: Path) -> list[Image.Image]:
    """The pages brother_ql's reader rebuilds from raster instructions (it saves them)."""
    folder.mkdir(parents=True, exist_ok=True)
    reader = BrotherQLReader(io.BytesIO(data))
    reader.filename_fmt = str(folder / "page{counter:04d}.png")
    reader.analyse()
    return [Image.open(path) for path in sorted(folder.glob("page*.png"))]


def as_printed(image: Image.Image, model: str, label: str) -> Image.Image:
    """``image`` where a QL prints it: on the head's full width, at the label's offset."""
    made, kind = ModelsManager()[model], LabelsManager()[label]
    head = made.number_bytes_per_row * 8
    x = head - kind.dots_printable[0] - kind.offset_r - made.additional_offset_r
    page = Image.new("1", (head, image.height), 1)
    page.paste(image, (x, 0))
    return page


def black_dots(image: Image.Image) -> int:
    return image.convert("L").histogram()[0]


# --- the raster, read back ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("model", "label", "size"),
    [
        ("QL-810W", "62", (696, 1181)),  # endless: 696 dots across, the badge at full size
        ("QL-820NWB", "62x100", (696, 1109)),  # die-cut: the label's printable dots
        ("QL-1100", "102x51", (1164, 526)),  # a wide head, a landscape label: turned
        ("QL-700", "62", (696, 1181)),  # a model without compression
    ],
)
def test_the_raster_reads_back_dot_for_dot_with_brother_qls_own_reader(
    model: str, label: str, size: tuple[int, int], tmp_path: Path
) -> None:
    badge = a_badge()
    ours = picture(badge, model=model, label=label)
    assert ours.mode == "1" and ours.size == size
    data = render_ql(badge, model=model, label=label)
    assert data == raster(ours, model=model, label=label)
    [page] = read_back(data, tmp_path / "pages")
    assert page.mode == "1"
    assert page.tobytes() == as_printed(ours, model, label).tobytes()  # every dot, margins blank
    assert black_dots(page) > 20_000  # a badge, not a blank label
    found = zxingcpp.read_barcodes(page.convert("L"))
    assert [f.text for f in found] == [badge.payload]  # the QR still scans off the label


def test_the_raster_says_its_label_and_cuts(tmp_path: Path) -> None:
    data = render_ql(a_badge(), model="QL-820NWB", label="62x100")
    reader = BrotherQLReader(io.BytesIO(data))
    reader.filename_fmt = str(tmp_path / "p{counter}.png")
    reader.analyse()
    assert (reader.mwidth, reader.raster_no, reader.cut_at_end) == (62, 1109, True)
    assert data.endswith(b"\x1a")  # the print command of the last page


def test_a_badge_is_fitted_to_the_label_without_distortion() -> None:
    drawn = draw(a_badge(), built_in("name-company-qr"))  # 62 x 100 mm at 300 dpi
    assert drawn.size == (732, 1181)
    endless = fit(drawn, "QL-810W", "62")
    assert endless.width == 696
    assert abs(endless.height / endless.width - drawn.height / drawn.width) < 0.002
    # A portrait badge on a landscape die-cut label prints turned a quarter, larger.
    small = fit(drawn, "QL-700", "62x29")
    assert small.size == (696, 271)
    ink = small.convert("L").point(lambda v: 255 - v).getbbox()
    assert ink is not None and ink[2] - ink[0] > 271  # the badge's height runs across
    # A short badge on endless tape gets at least the model's shortest label.
    tiny = parse_layout('name = "tiny"\nwidth_mm = 62.0\nheight_mm = 20.0\n')
    assert fit(draw(a_badge(), tiny), "QL-500", "62").size == (696, 295)


# What a print job's detail says after where it went (never a silent scale).
DIE_CUT_SAID = "; 62 x 100 mm label: printable 58.9 x 93.9 mm; badge at full size"

EDGE_TO_EDGE = """
name = "edge-to-edge"
width_mm = 62.0
height_mm = 100.0
elements = [
  { kind = "name", x = 0.5, y = 5.0, width = 61.0, height = 24.0, lines = 2 },
  { kind = "qr", x = 15.0, y = 60.0, width = 32.0, height = 32.0 },
]
"""


def test_a_ql_label_says_its_tape_printable_width_and_the_scale_never_silently() -> None:
    laid = built_in("name-company-qr")  # its elements inside the tape's printable 58.9 mm
    full = fitting(laid, model="QL-810W", label="62")
    assert full.said == "62 mm tape: printable 58.9 mm; badge at full size"
    assert full.keys()["printable_width_mm"] == 58.9 and full.keys()["scale"] == 1.0
    die = fitting(laid, model="QL-820NWB", label="62x100")
    assert die.said == "62 x 100 mm label: printable 58.9 x 93.9 mm; badge at full size"
    # At full size the picture is the layout's own drawing, its unprintable edges left off.
    whole = mono(draw(a_badge(), laid))  # 732 x 1181 dots
    on_die = picture(a_badge(), model="QL-820NWB", label="62x100")
    assert on_die.tobytes() == whole.crop((18, 36, 714, 1145)).tobytes()
    on_tape = picture(a_badge(), model="QL-810W", label="62")
    assert on_tape.tobytes() == whole.crop((18, 0, 714, 1181)).tobytes()
    # A layout printing to the label's edges is drawn again for the printable width, and said.
    edge = parse_layout(EDGE_TO_EDGE)
    fitted_in = fitting(edge, model="QL-810W", label="62")
    assert fitted_in.said == "62 mm tape: printable 58.9 mm; badge drawn at 95% to fit it"
    drawn = picture(a_badge(), model="QL-810W", label="62", layout=edge)
    again = draw(a_badge(), fitted(edge, 696 / 300 * 25.4, 100 * fitted_in.scale))
    assert drawn.size == (696, again.height)
    assert drawn.tobytes() == mono(again).tobytes()  # drawn at its size, not a picture shrunk
    found = zxingcpp.read_barcodes(drawn.convert("L"))
    assert [f.text for f in found] == [a_badge().payload]
    tiny = fitting(laid, model="QL-810W", label="12")  # too small to draw a layout for
    assert tiny.said == "12 mm tape: printable 9.0 mm; badge scaled to 14%"
    assert picture(a_badge(), model="QL-810W", label="12").width == 106


@pytest.mark.parametrize(
    ("model", "label", "said"),
    [
        ("QL-9000", "62", "'QL-9000' is not a Brother QL model (known: QL-500,"),
        ("QL-810W", "63", "'63' is not a Brother QL label (known: 12, 18, 29"),
        ("QL-810W", "102", "the 102 label (102mm endless) does not fit a QL-810W"),
        ("QL-1100", "62x29", "the 62x29 label (62mm x 29mm die-cut) is shorter than a QL-1100"),
    ],
)
def test_an_unknown_model_or_label_is_said_plainly(model: str, label: str, said: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        render_ql(a_badge(), model=model, label=label)
    assert said in caught.value.message
    if "model" in said:
        assert "QL-820NWB" in caught.value.message  # the known ones are named
    assert check("ql-820nwb", "62X100") == ("QL-820NWB", "62x100")  # any case


# --- the printer's status ----------------------------------------------------------------------
def test_the_status_is_read_by_brother_ql_and_said_as_a_sentence() -> None:
    ready = parse_status(fake_ql.status(), expected="62")
    assert (ready.kind, ready.media, ready.loaded, ready.problem) == (
        "Reply to status request",
        "Continuous length tape",
        "62",
        None,
    )
    assert ready.model == "QL-810W" and not ready.done
    out = parse_status(fake_ql.status(loaded=None, error1=fake_ql.NO_MEDIA), expected="62")
    assert out.problem == "out of labels" and out.errors == ("No media when printing",)
    cover = parse_status(fake_ql.status(error2=fake_ql.COVER_OPEN), expected="62")
    assert cover.problem == "cover open"
    wrong = parse_status(fake_ql.status(loaded="29x90"), expected="62")
    assert wrong.problem == "wrong label loaded: 29x90 in the printer, 62 expected"
    die_cut = parse_status(fake_ql.status(loaded="62x100"), expected="62")
    assert die_cut.problem == "wrong label loaded: 62x100 in the printer, 62 expected"
    assert parse_status(fake_ql.status(loaded="62x100"), expected="62x100").problem is None
    assert parse_status(fake_ql.status(loaded="62"), expected="62red").problem is None  # 62 mm
    printed = parse_status(fake_ql.status(kind=fake_ql.COMPLETED))
    assert printed.done and printed.problem is None
    failed = parse_status(fake_ql.status(kind=fake_ql.ERROR))
    assert failed.problem == "printer error" and not failed.done
    replace = parse_status(fake_ql.status(kind=fake_ql.ERROR, error2=fake_ql.REPLACE_MEDIA))
    assert replace.problem == "wrong label loaded"
    for garbage in (b"", b"\x80\x20\x42" + bytes(10), bytes(32)):
        with pytest.raises(ValueError, match="not a Brother QL status"):
            parse_status(garbage)


def test_the_status_request_is_invalidate_initialize_and_esc_i_s() -> None:
    asked = status_request("QL-820NWB")
    assert asked == b"\x00" * 400 + b"\x1b\x40" + b"\x1b\x69\x53"
    assert status_request("QL-700") == b"\x00" * 200 + b"\x1b\x40\x1b\x69\x53"


# --- a QL in the settings, fed by the queue ----------------------------------------------------
@pytest.fixture(autouse=True)
def patient(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fake QL that answers is never taken for one that does not because a busy machine
    answered late: "auto" waits as long as the printer's timeout here (the tests of a silent
    QL keep that short)."""
    monkeypatch.setattr(printers_module, "QL_ANSWER_WAIT", 30.0)


@pytest.fixture
def ql() -> Iterator[FakeQL]:
    printer = FakeQL(model="QL-820NWB")
    yield printer
    printer.close()


def ql_printers(
    target: str, tmp_path: Path, *, label: str = "62", timeout: float = 2, **more: object
) -> dict[str, PrinterSpec]:
    table = {"kind": "ql", "model": "QL-820NWB", "label": label, "target": target}
    settings = {"printers": {"ql": {**table, "timeout": timeout, **more}}}
    return printers_from_config(settings, tmp_path)


def network(ql: FakeQL) -> str:
    return f"tcp://127.0.0.1:{ql.port}"


def next_try(store: Store, job_id: int) -> datetime:
    due = printing.get_job(store, job_id).next_attempt_at
    assert due is not None, "a job that waits has a time for its next try"
    return due


def test_the_worker_prints_a_checked_in_badge_on_a_ql(
    store: Store, signer: Signer, ql: FakeQL, tmp_path: Path
) -> None:
    printers = ql_printers(network(ql), tmp_path)
    ql.switch_on()
    ev = event_now(store)
    tickets = [guest(store, ev, DRAWN, "株式会社テスト"), guest(store, ev, "Zoë Müller")]
    outcomes: list[object] = []
    worker = PrintWorker(store, printers, station="Kiosk", on_outcome=outcomes.append, poll=0.05)
    worker.start()
    try:
        door = Checkin(store, station="Kiosk", print_to="ql")
        for ticket in tickets:
            assert door.checkin_ticket(ticket).admitted
            worker.wake()
        assert ql.wait_for_labels(2)
    finally:
        worker.stop()
        worker.join(5)
    assert [getattr(o, "state", None) for o in outcomes] == ["done", "done"]
    assert [j.state for j in printing.list_jobs(store)] == ["done", "done"]
    assert ql.refused == 0 and ql.status_requests >= 2
    assert ql.jobs_media == [(fake_ql.ENDLESS, 62, 0)] * 2
    for n, (ticket, job) in enumerate(zip(tickets, ql.labels, strict=True)):
        assert job.startswith(status_request("QL-820NWB"))  # asked before the badge
        [page] = read_back(job, tmp_path / f"job{n}")
        ours = picture(load_badge(store, ticket), model="QL-820NWB", label="62")
        assert page.tobytes() == as_printed(ours, "QL-820NWB", "62").tobytes()


@pytest.mark.parametrize(
    ("mode", "loaded", "problem"),
    [
        ("no_media", "62", "out of labels"),
        ("cover_open", "62", "cover open"),
        ("ok", "29x90", "wrong label loaded: 29x90 in the printer, 62 expected"),
        ("runs_out", "62", "out of labels"),  # fine when asked; the job itself fails
    ],
)
def test_a_ql_fault_keeps_the_job_waiting_with_its_reason_until_it_is_cleared(
    store: Store, signer: Signer, ql: FakeQL, tmp_path: Path, mode: str, loaded: str, problem: str
) -> None:
    printers = ql_printers(network(ql), tmp_path)
    ql.mode, ql.loaded = mode, loaded
    ql.switch_on()
    ticket = guest(store, event_now(store), DRAWN)
    job = printing.enqueue(store, ticket, "ql").id
    for n in range(3):  # as long as the fault lasts, the job waits
        [outcome] = drain(store, printers, worker="Desk", now=next_try(store, job) if n else None)
        assert (outcome.state, outcome.detail) == ("queued", f"printer ql: {problem}")
    [row] = printing.list_jobs(store)
    assert (row.state, row.attempts, row.last_error) == ("queued", 3, f"printer ql: {problem}")
    assert ql.labels == [] and printing.list_jobs(store, state="failed") == []
    assert ql.refused == (3 if mode == "runs_out" else 0)  # else the badge was never sent
    ql.mode, ql.loaded = "ok", "62"  # someone loads labels, closes the cover
    [outcome] = drain(store, printers, worker="Desk", now=next_try(store, job))
    assert outcome.state == "done" and len(ql.labels) == 1
    assert printing.get_job(store, job).state == "done"


def test_a_ql_that_takes_the_badge_but_never_says_it_printed_is_not_done(
    store: Store, signer: Signer, ql: FakeQL, tmp_path: Path
) -> None:
    printers = ql_printers(network(ql), tmp_path, timeout=0.5)
    ql.mode = "stalls"  # answers the status request, then reads no more
    ql.switch_on()
    job = printing.enqueue(store, guest(store, event_now(store), ARABIC), "ql").id
    [outcome] = drain(store, printers, worker="Desk")
    assert outcome.state == "queued" and "did not say it printed" in outcome.detail
    assert ql.labels == [] and printing.get_job(store, job).state == "queued"
    ql.mode = "ok"
    [outcome] = drain(store, printers, worker="Desk", now=next_try(store, job))
    assert outcome.state == "done" and len(ql.labels) == 1


def test_a_ql_that_is_off_or_hangs_up_is_offline(
    store: Store, signer: Signer, ql: FakeQL, tmp_path: Path
) -> None:
    printers = ql_printers(network(ql), tmp_path)
    job = printing.enqueue(store, guest(store, event_now(store), DRAWN), "ql").id
    [outcome] = drain(store, printers, worker="Desk")  # switched off
    assert outcome.state == "queued" and "refused the connection" in outcome.detail
    ql.mode = "closes"
    ql.switch_on()
    [outcome] = drain(store, printers, worker="Desk", now=next_try(store, job))
    assert outcome.state == "queued" and "closed the connection" in outcome.detail
    assert ql.labels == [] and printing.get_job(store, job).state == "queued"


def test_a_network_ql_that_never_answers_prints_unasked_unless_status_is_on(
    store: Store, signer: Signer, ql: FakeQL, tmp_path: Path
) -> None:
    """Many QLs say nothing on port 9100: "auto" prints to one after a short wait for an
    answer; "on" wants the answer, and the job waits without it."""
    ql.mode = "silent"
    ql.switch_on()
    ticket = guest(store, event_now(store), ARABIC)
    strict = ql_printers(network(ql), tmp_path, timeout=0.3, status="on")
    job = printing.enqueue(store, ticket, "ql").id
    [outcome] = drain(store, strict, worker="Desk")
    assert outcome.state == "queued" and "did not answer a status request" in outcome.detail
    assert ql.status_requests == 1 and ql.labels == []
    trusting = ql_printers(network(ql), tmp_path, timeout=0.3)  # status = "auto"
    [outcome] = drain(store, trusting, worker="Desk", now=next_try(store, job))
    assert outcome.state == "done" and ql.wait_for_labels(1)
    assert ql.labels[0].startswith(status_request("QL-820NWB"))  # asked, then sent unasked
    unasked = ql_printers(network(ql), tmp_path, status="off")
    printing.enqueue(store, ticket, "ql", reason="reprint")
    [outcome] = drain(store, unasked, worker="Desk")
    assert outcome.state == "done" and ql.wait_for_labels(2)
    assert ql.labels[1] == render_ql(load_badge(store, ticket), model="QL-820NWB", label="62")


def test_a_ql_on_a_device_file_is_asked_too(
    store: Store, signer: Signer, ql: FakeQL, tmp_path: Path
) -> None:
    device = ql.plug_in()  # a pseudo-terminal in raw mode, as /dev/usb/lp0 would be
    printers = ql_printers(device, tmp_path, label="62x100")
    assert (printers["ql"].kind, printers["ql"].path, printers["ql"].shared) == (
        "device",
        device,
        False,
    )
    ql.loaded = "62x100"
    ql.mode = "cover_open"
    ticket = guest(store, event_now(store), DRAWN)
    job = printing.enqueue(store, ticket, "ql", station="Desk").id
    [outcome] = drain(store, printers, worker="Desk")
    assert (outcome.state, outcome.detail) == ("queued", "printer ql: cover open")
    ql.mode = "ok"
    [outcome] = drain(store, printers, worker="Desk", now=next_try(store, job))
    assert (outcome.state, outcome.detail) == ("done", device + DIE_CUT_SAID)
    assert ql.jobs_media == [(fake_ql.DIE_CUT, 62, 100)]
    [page] = read_back(ql.labels[0], tmp_path / "pages")  # every byte came through the device
    ours = picture(load_badge(store, ticket), model="QL-820NWB", label="62x100")
    assert page.tobytes() == as_printed(ours, "QL-820NWB", "62x100").tobytes()
    printing.enqueue(
        store, ticket, "ql", reason="reprint", station="Desk"
    )  # the first job's notices are old
    assert [o.state for o in drain(store, printers, worker="Desk")] == ["done"]
    assert len(ql.labels) == 2
    ql.mode = "silent"  # a QL on USB always answers: silence is a printer that is off
    printing.enqueue(store, ticket, "ql", reason="reprint", station="Desk")
    [outcome] = drain(
        store, ql_printers(device, tmp_path, label="62x100", timeout=0.3), worker="Desk"
    )
    assert outcome.state == "queued" and "did not answer a status request" in outcome.detail


def test_a_ql_file_target_holds_the_last_badge_whole(
    store: Store, signer: Signer, tmp_path: Path
) -> None:
    target = tmp_path / "out" / "ql.bin"
    printers = ql_printers(f"file:{target}", tmp_path, label="62x100")
    assert printers["ql"].kind == "file" and not printers["ql"].shared
    ticket = guest(store, event_now(store), ARABIC, CHINESE)
    printing.enqueue(store, ticket, "ql", station="Desk")
    [outcome] = drain(store, printers, worker="Desk")
    assert (outcome.state, outcome.detail) == ("done", str(target) + DIE_CUT_SAID)
    [page] = read_back(target.read_bytes(), tmp_path / "pages")
    ours = picture(load_badge(store, ticket), model="QL-820NWB", label="62x100")
    assert page.tobytes() == as_printed(ours, "QL-820NWB", "62x100").tobytes()
    assert [p.name for p in target.parent.iterdir()] == ["ql.bin"]  # no partial file left


@pytest.mark.parametrize(
    ("table", "said"),
    [
        (
            {"model": "QL-9000", "target": "tcp://10.0.0.9"},
            "printers.front: 'QL-9000' is not a Brother QL model (known: QL-500",
        ),
        (
            {"model": "QL-820NWB", "label": "62x90", "target": "/dev/usb/lp0"},
            "printers.front: '62x90' is not a Brother QL label (known: 12, 18",
        ),
        (
            {"target": "tcp://10.0.0.9"},
            'printers.front: a ql printer needs model (e.g. model = "QL',
        ),
        ({"model": "QL-820NWB"}, "printers.front: a ql printer needs target: tcp://HOST:9100"),
        ({"model": "QL-820NWB", "target": "usb://x"}, "target 'usb://x': tcp://HOST:9100, a dev"),
        (
            {"model": "QL-820NWB", "target": "tcp://h", "host": "h"},
            "give target, or type with host or path, not both",
        ),
        ({"model": "QL-820NWB", "target": "tcp://h", "language": "zpl"}, "speaks ql, not"),
    ],
)
def test_a_bad_ql_printer_table_is_named_with_what_is_wrong(
    table: dict[str, str], said: str, tmp_path: Path
) -> None:
    with pytest.raises(InvalidInput) as caught:
        printers_from_config({"printers": {"front": {"kind": "ql", **table}}}, tmp_path)
    assert said in caught.value.message and "eventdesk.toml" in caught.value.message


def test_the_other_kinds_keep_their_keys_and_refuse_ql_ones(tmp_path: Path) -> None:
    zebra = {"type": "tcp", "host": "10.0.0.8", "language": "zpl"}
    assert printers_from_config({"printers": {"z": zebra}}, tmp_path)["z"].language == "zpl"
    old_style = {
        "type": "tcp",
        "host": "10.0.0.9",
        "port": 9101,
        "language": "ql",
        "model": "QL-700",
    }
    spec = printers_from_config({"printers": {"q": old_style}}, tmp_path)["q"]
    assert (spec.kind, spec.host, spec.port, spec.language, spec.ql_model, spec.ql_label) == (
        "tcp",
        "10.0.0.9",
        9101,
        "ql",
        "QL-700",
        "62",
    )
    with pytest.raises(InvalidInput, match='model is for a Brother QL printer: add kind = "ql"'):
        printers_from_config({"printers": {"z": {**zebra, "model": "QL-700"}}}, tmp_path)


# --- the command line ----------------------------------------------------------------------------
def test_print_and_print_queue_with_a_ql_in_the_settings(cli: Cli, tmp_path: Path) -> None:
    ql = FakeQL(model="QL-820NWB")
    try:
        (tmp_path / "eventdesk.toml").write_text(
            f'[printers.labels]\nkind = "ql"\nmodel = "QL-820NWB"\nlabel = "62"\n'
            f'target = "tcp://127.0.0.1:{ql.port}"\ntimeout = 2\n',
            encoding="utf-8",
        )
        cli.json("init")
        cli.json(
            "event",
            "create",
            "--name",
            "Now",
            "--starts",
            (utcnow() - timedelta(hours=1)).isoformat(),  # running now
            "--ends",
            (utcnow() + timedelta(hours=8)).isoformat(),
        )
        cli.json("ticket-type", "add", "now", "--name", "Regular", "--price", "0")
        cli.json("attendee", "add", "--name", DRAWN, "--email", "taro@example.com")
        ticket = cli.json(
            "register", "now", "--attendee", "taro@example.com", "--ticket-type", "Regular"
        )["ticket_id"]
        ql.mode = "cover_open"
        ql.switch_on()
        waiting = cli.json("print", ticket, "--printer", "labels", code=3)
        assert (waiting["state"], waiting["detail"]) == ("queued", "printer labels: cover open")
        [row] = cli.json("print-queue")
        assert (row["printer"], row["state"], row["last_error"]) == (
            "labels",
            "queued",
            "printer labels: cover open",
        )
        out, _ = cli.run("print", ticket, "--printer", "labels", code=3)
        assert "waits for labels: printer labels: cover open (will retry)" in out
        ql.mode = "ok"  # the cover is closed
        done = cli.json("print", ticket, "--printer", "labels")
        assert done["state"] == "done" and len(ql.labels) == 1
        assert done["detail"].endswith("; 62 mm tape: printable 58.9 mm; badge at full size")
        [page] = read_back(ql.labels[0], tmp_path / "pages")
        assert [f.text for f in zxingcpp.read_barcodes(page.convert("L"))] == [
            cli.out("ticket", "show", ticket, "--payload").strip()
        ]
        written = tmp_path / "badge.bin"
        cli.json("badge", ticket, "--format", "ql", "--printer", "labels", "--output", str(written))
        assert written.read_bytes() == ql.labels[0][len(status_request("QL-820NWB")) :]
        (tmp_path / "eventdesk.toml").write_text(
            '[printers.labels]\nkind = "ql"\nmodel = "QL-900"\ntarget = "tcp://127.0.0.1:9"\n',
            encoding="utf-8",
        )
        _, err = cli.run("print", ticket, "--printer", "labels", code=2)
        assert "printers.labels: 'QL-900' is not a Brother QL model (known: QL-500" in err
    finally:
        ql.close()
