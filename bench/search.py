"""Type-ahead search on 100,000 attendees: ours (token prefix index) against LIKE '%q%'.

    python -m bench.search [--attendees 100000] [--queries 200] [--db URL]

Both run on the same database in the same run; per query the time of the whole call as the desk
makes it (a read transaction, the query, building the result). The baseline is the plain scan
`WHERE name LIKE '%q%' OR email LIKE '%q%' OR company LIKE '%q%' LIMIT 50`, with no ORDER BY
(which only helps it: it may stop at the 50th hit).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import or_, select

from eventdesk.db import Store
from eventdesk.migrate import upgrade
from eventdesk.models import Attendee
from eventdesk.services.attendees import add_attendees_bulk, find_attendees
from eventdesk.services.demo import COMPANIES, FIRST_NAMES, LAST_NAMES
from eventdesk.text import fold

LIMIT = 50


SYLLABLES = (
    "ka ber lin dor man ve tri son ski ov ez ar ton hei mu ra ni quo zel fa go ha jo".split()
)


def surname(rng: random.Random) -> str:
    """Real surnames mixed with made-up ones: about 14,000 distinct, as a big event has."""
    if rng.random() < 0.3:
        return rng.choice(LAST_NAMES)
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 3)))).capitalize()


def make_people(count: int, rng: random.Random) -> list[dict[str, str | None]]:
    rows: list[dict[str, str | None]] = []
    for i in range(count):
        first, last = rng.choice(FIRST_NAMES), surname(rng)
        email = f"{fold(first)}.{fold(last).replace(' ', '').replace(chr(39), '')}{i}@example.com"
        rows.append({"name": f"{first} {last}", "email": email, "company": rng.choice(COMPANIES)})
    return rows


def like_scan(store: Store, query: str) -> list[int]:
    pattern = f"%{query}%"
    with store.read() as session:
        stmt = (
            select(Attendee.id)
            .where(
                or_(
                    Attendee.name.ilike(pattern),
                    Attendee.email.ilike(pattern),
                    Attendee.company.ilike(pattern),
                )
            )
            .limit(LIMIT)
        )
        return list(session.scalars(stmt))


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)  # nearest rank
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def timed(fn, queries: list[str]) -> tuple[list[float], int]:  # type: ignore[no-untyped-def]
    times, hits = [], 0
    for q in queries:
        start = time.perf_counter()
        hits += len(fn(q))
        times.append((time.perf_counter() - start) * 1000)
    return times, hits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attendees", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'bench.db'}"
        store = Store(url)
        upgrade(store)
        people = make_people(args.attendees, rng)
        start = time.perf_counter()
        add_attendees_bulk(store, people)
        loaded = time.perf_counter() - start
        print(f"database: {store.dialect}; {args.attendees:,} attendees loaded in {loaded:.1f} s")
        # What a desk operator types to find one person: the start of a surname, a first name or
        # an email address.
        words = []
        for p in rng.sample(people, 2000):
            first, *rest = fold(p["name"] or "").split()
            words.append(rng.choice([rest[-1] if rest else first, first, p["email"] or ""]))
        words = [w for w in words if len(w) >= 6]
        heads = ("ours p50", "ours p95", "LIKE p50", "LIKE p95", "p95 ratio")
        print(f"{'prefix':>6}  " + "  ".join(f"{h:>9}" for h in heads))
        worst = 0.0
        for length in (1, 3, 6):
            queries = [rng.choice(words)[:length] for _ in range(args.queries)]
            for q in queries[:5]:  # warm the page cache for both
                find_attendees(store, q)
                like_scan(store, q)
            ours, ours_hits = timed(lambda q: find_attendees(store, q, limit=LIMIT), queries)
            base, base_hits = timed(lambda q: like_scan(store, q), queries)
            worst = max(worst, percentile(ours, 95))
            print(
                f"{length:>6}  {statistics.median(ours):>7.2f}ms  {percentile(ours, 95):>7.2f}ms  "
                f"{statistics.median(base):>7.2f}ms  {percentile(base, 95):>7.2f}ms  "
                f"{percentile(base, 95) / percentile(ours, 95):>8.1f}x"
                f"   (hits: ours {ours_hits / len(queries):.0f}/query, "
                f"LIKE {base_hits / len(queries):.0f}/query)"
            )
        verdict = "met" if worst <= 10 else "NOT met"
        print(f"goal: p95 at most 10 ms on {store.dialect}: {verdict} (worst p95 {worst:.2f} ms)")
        store.dispose()


if __name__ == "__main__":
    main()
