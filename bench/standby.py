"""Four stations on a primary with a synchronous standby, side by side in one run with the same
four on a primary alone; then the primary's machine killed mid-rush.

    python -m bench.standby [--rounds 3] [--scans 100] [--pace 0.2] [--promote-after 5]

Two throwaway clusters made as docs/standby.md says (testkit.standby: the page's own blocks, the
standby synchronous, `synchronous_commit = on`), and a third, a primary alone, made the same way
without a standby; on each the same event with free tickets, and four stations (two doors' own
logins, two desks' own), each a running `eventdesk scan --source -` with the product's own
settings (a server that has not answered in 1 s is away), reaching the pair through the
stations' address that names both hosts.
(1) Rate: after a round of 20 scans a station on each setup (untimed: connections opened,
    copies warm), --rounds rounds, alternating the two setups; in each the four stations of a
    setup scan --scans tickets each at once, lines sent as fast as they are taken. Printed: the
    check-ins a second of each setup (all its rounds) and the ratio. Goal: at least 0.8x.
(2) The primary dies: the four stations of the pair scan one ticket every --pace seconds each;
    the primary's postmaster is killed (SIGKILL, and its backends), and --promote-after seconds
    later (a failover manager's time to be sure the primary is gone) the standby is promoted
    with the page's command. Printed: when the promotion was done, the time from the kill to
    each station's first answer online after it (goal: at most 10 s), and the slowest answer
    meanwhile, every one of them from the station's copy (goal: at most 1.5 s from the line's
    Enter).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from testkit.standby import (
    LOGINS,
    Answer,
    Pair,
    ScanStation,
    four_stations,
    made_as_the_page_says,
    made_pair,
    run_block,
)

WARM_UP = 20  # each station's scans before the rounds, untimed


@dataclass
class Setup:
    """A server (a pair, or a primary alone), its event, and its four stations, running."""

    label: str
    stations: list[ScanStation]
    payloads: list[str]
    given: int = 0  # the tickets handed out so far

    def next_tickets(self, count: int) -> list[list[str]]:
        """``count`` unscanned tickets for each station."""
        start, self.given = self.given, self.given + count * len(self.stations)
        share = self.payloads[start : self.given]
        return [share[at :: len(self.stations)] for at in range(len(self.stations))]


@contextmanager
def stations_on(pair: Pair, ports: tuple[int, ...], folder: Path, tickets: int) -> Iterator[Setup]:
    """The event, its tickets, and the four stations on the server at ``ports``, running with
    the product's own settings."""
    with four_stations(pair, ports, folder, tickets, offline_after=None) as made:
        _event, payloads, stations = made
        yield Setup("", stations, list(payloads.values()))


def one_round(setup: Setup, scans: int) -> tuple[int, float]:
    """Each station scans ``scans`` tickets at once: (check-ins answered, seconds)."""
    lines = setup.next_tickets(scans)
    before = [len(station.answers) for station in setup.stations]
    started = time.monotonic()
    senders = [
        threading.Thread(target=station.send, args=(mine,))
        for station, mine in zip(setup.stations, lines, strict=True)
    ]
    for sender in senders:
        sender.start()
    for station, start, mine in zip(setup.stations, before, lines, strict=True):
        station.wait_answers(start + len(mine))
    took = time.monotonic() - started
    for sender in senders:
        sender.join()
    return sum(len(mine) for mine in lines), took


def paced(station: ScanStation, lines: list[str], pace: float, stop: threading.Event) -> None:
    """One line every ``pace`` seconds, until ``stop`` or the lines end."""
    for line in lines:
        if stop.is_set():
            return
        station.send([line])
        stop.wait(pace)


def failover(
    pair: Pair, setup: Setup, later: dict[str, list[str]], pace: float, promote_after: float
) -> None:
    each = int(30 / pace)  # enough for 30 s
    lines = setup.next_tickets(each)
    stop = threading.Event()
    counts = [len(station.answers) for station in setup.stations]
    senders = [
        threading.Thread(target=paced, args=(station, mine, pace, stop), daemon=True)
        for station, mine in zip(setup.stations, lines, strict=True)
    ]
    for sender in senders:
        sender.start()
    for station, count in zip(setup.stations, counts, strict=True):
        station.wait_answers(count + 5)  # a few online answers first
    killed_at = time.monotonic()
    pair.kill(pair.primary_data)
    stop.wait(promote_after)
    run_block(pair, "promote", later["promote"])
    promoted = time.monotonic() - killed_at
    firsts: list[float] = []
    meanwhile: list[Answer] = []
    for station, count in zip(setup.stations, counts, strict=True):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            answers = station.answers[count:]
            after = [a for a in answers if a.at > killed_at]
            online = [a for a in after if not a.offline]
            if online:
                firsts.append(online[0].at - killed_at)
                meanwhile += [a for a in after if a.offline]
                break
            station.wait_answers(len(station.answers) + 1, seconds=60)
        else:
            firsts.append(float("inf"))
    stop.set()
    for sender in senders:
        sender.join()
    slowest = max((a.seconds for a in meanwhile), default=0.0)
    print(
        f"  the standby promoted {promoted:.2f} s after the kill (pg_ctl promote, waited, "
        f"begun {promote_after:g} s after it)"
    )
    print(
        "  first online answer after the kill: "
        + ", ".join(f"{s.name} {t:.2f} s" for s, t in zip(setup.stations, firsts, strict=True))
        + f"; worst {max(firsts):.2f} s (goal: at most 10 s)"
    )
    print(
        f"  answers meanwhile: {len(meanwhile)}, every one from the copy, the slowest "
        f"{slowest:.2f} s after its Enter (goal: at most 1.5 s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scans", type=int, default=100)
    parser.add_argument("--pace", type=float, default=0.2)
    parser.add_argument("--promote-after", type=float, default=5.0)
    args = parser.parse_args()
    tickets = len(LOGINS) * (WARM_UP + args.rounds * args.scans + int(30 / args.pace)) + 100
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="bench-standby-") as folder:
        root = Path(folder)
        synchronous = stack.enter_context(made_pair())
        later = made_as_the_page_says(synchronous)
        alone = stack.enter_context(made_pair())
        pair_setup = stack.enter_context(
            stations_on(synchronous, synchronous.both, root / "pair", tickets)
        )
        alone_setup = stack.enter_context(
            stations_on(alone, (alone.primary_port,), root / "alone", tickets)
        )
        pair_setup.label, alone_setup.label = "a synchronous standby", "a primary alone"
        for setup in (pair_setup, alone_setup):  # each station's pool and copy warmed, untimed
            one_round(setup, WARM_UP)
        done: dict[str, list[tuple[int, float]]] = {pair_setup.label: [], alone_setup.label: []}
        for turn in range(args.rounds):
            order = (pair_setup, alone_setup) if turn % 2 == 0 else (alone_setup, pair_setup)
            for setup in order:
                done[setup.label].append(one_round(setup, args.scans))
        rates = {
            label: sum(n for n, _ in rounds) / sum(s for _, s in rounds)
            for label, rounds in done.items()
        }
        print(f"four stations, {args.rounds} rounds of {args.scans} scans each, alternating:")
        for label, rounds in done.items():
            each = ", ".join(f"{n / s:.0f}" for n, s in rounds)
            print(f"  {label}: {rates[label]:.0f} check-ins/s (rounds: {each})")
        ratio = rates[pair_setup.label] / rates[alone_setup.label]
        print(f"  ratio: {ratio:.2f}x (goal: at least 0.8x)")
        print(f"the primary killed mid-rush, each station one scan every {args.pace:g} s:")
        failover(synchronous, pair_setup, later, args.pace, args.promote_after)
        median = statistics.median(n / s for n, s in done[pair_setup.label])
        print(f"  (a synchronous round's median rate: {median:.0f} check-ins/s)")


if __name__ == "__main__":
    main()
