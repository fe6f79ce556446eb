"""Type-ahead search at festival scale: ours (token prefix index) at 1,000,000 attendees against
ours at 10,000, and against SQLite FTS5 prefix queries and LIKE '%q%', and on PostgreSQL against
pg_trgm, in one run.

    python -m bench.search [--attendees 1000000] [--small 10000] [--queries 200] [--postgres URL]

Goal: ours at the big size at most 1.5x its p95 at the small size, and at most the p95 of FTS5
(SQLite) and of the faster pg_trgm query (PostgreSQL) on the same rows and queries, at each
prefix length. The queries are made from people of the small event, who are in the big one too.
FTS5 and the word-start regex run at the small size as well, so their own growth is printed
beside ours.

All contenders run on the same rows in the same run, with the same queries; per query the time
of the whole call as the desk makes it (the read, the query, building the result). Ours on
SQLite runs its statements outside a transaction (each SELECT reads its own snapshot); the
others, and ours on PostgreSQL, read in a Store.read session.
Each returns what the desk shows of at most 50 people (name, email, company, phone, whether
they have a PIN). Ours gives them in the order of the word they match; the others have no
ORDER BY (which helps them: they may stop at the 50th hit).

On SQLite (a fresh file):
  ours   eventdesk's find_attendees: every typed word starts a word of the name, email or company
         (several words: first as words written together, a phrase token)
  FTS5   an FTS5 table over the same attendee rows in the same file (unicode61 tokenizer with
         remove_diacritics 2, prefix indexes for 1 to 3 letters); each typed word is a prefix
         term, all must match: MATCH '"anna"* "k"*'
  LIKE   name LIKE '%q%' OR email LIKE '%q%' OR company LIKE '%q%' (a scan)

On PostgreSQL, when a server URL is given (--postgres, or EVENTDESK_BENCH_POSTGRES_URL), in a
database made for the run and dropped after it:
  ours   the same find_attendees
  ILIKE  the LIKE query above as ILIKE, served by pg_trgm GIN trigram indexes on the 3 columns
  ~*\\m   each typed word as a case-insensitive word-start regular expression, name ~* '\\manna',
         all words must match: the same trigram indexes serve it

Then every distinct query is asked again without a limit (ours: up to 20,000, through the same
search find_attendees makes) and the people each contender finds are compared with ours. FTS5
and the word-start regex mean what ours means, so they should find the same people; where they
do not, it is letters they fold differently (ours reads 'ø' as 'o', 'ß' as 'ss', and "O'Brien"
also as 'obrien'). LIKE and ILIKE take the typed text as one substring: they also find people
whose words merely contain it, and miss those whose typed words are apart ('anna.k' for an Anna
at Kettle & Co).
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, text
from sqlalchemy.exc import DBAPIError

from bench.scratch import scratch_database
from eventdesk import variables
from eventdesk.db import Store
from eventdesk.migrate import upgrade
from eventdesk.models import Attendee
from eventdesk.services.data.demo import COMPANIES, FIRST_NAMES, LAST_NAMES
from eventdesk.services.people.attendees import (
    AttendeeInfo,
    add_attendees_bulk,
    find_attendees,
    search_session,
)
from eventdesk.text import fold

LIMIT = 50
FULL = 20_000  # how far the comparison of who is found goes
GROWTH = 1.5  # p95 at the big size over p95 at the small one, at most
POSTGRES_ENV = "EVENTDESK_BENCH_POSTGRES_URL"
COLUMNS = (Attendee.name, Attendee.email, Attendee.company)
TYPED_WORD = re.compile(r"\w+")

SYLLABLES = (
    "ka ber lin dor man ve tri son ski ov ez ar ton hei mu ra ni quo zel fa go ha jo".split()
)

Search = Callable[[str, int | None], list[int]]  # (query, limit or None for all) -> attendee ids


@dataclass(frozen=True)
class Contender:
    label: str  # a column heading
    about: str
    search: Search
    same_meaning: bool  # finds what ours finds, by its own rules


@dataclass
class Agreement:
    """Who a contender finds, against ours, over the distinct queries."""

    queries: int = 0
    same: int = 0
    beyond_full: int = 0  # ours found FULL or more: only "theirs has all of ours" is checked
    adds: list[tuple[str, set[int]]] = field(default_factory=list)
    misses: list[tuple[str, set[int]]] = field(default_factory=list)


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


def make_queries(
    people: Sequence[dict[str, str | None]], count: int, rng: random.Random
) -> dict[int, list[str]]:
    """What a desk operator types to find one person: the start of a surname, a first name or an
    email address; 1, 3 and 6 letters of it."""
    words = []
    for p in rng.sample(list(people), min(2000, len(people))):
        first, *rest = fold(p["name"] or "").split()
        words.append(rng.choice([rest[-1] if rest else first, first, p["email"] or ""]))
    words = [w for w in words if len(w) >= 6]
    return {length: [rng.choice(words)[:length] for _ in range(count)] for length in (1, 3, 6)}


# --- the contenders ---------------------------------------------------------------------------
def ours(store: Store) -> Contender:
    def search(query: str, limit: int | None) -> list[int]:
        if limit is not None:
            return [a.id for a in find_attendees(store, query, limit=limit)]
        with store.read() as session:  # as find_attendees, past the 500 it shows at most
            return [a.id for a in search_session(session, query, limit=FULL)]

    about = "eventdesk find_attendees: every typed word starts a word (token prefix index)"
    return Contender("ours", about, search, same_meaning=True)


SHOWN = (  # what the desk shows of a person found
    Attendee.id,
    Attendee.name,
    Attendee.email,
    Attendee.company,
    Attendee.phone,
    Attendee.pin_hash.is_not(None),
)


def shown(rows: Iterable[Sequence[Any]]) -> list[int]:
    """The people found, made into what the desk shows (as ours does); their ids."""
    return [AttendeeInfo(*row).id for row in rows]


def ids_where(store: Store, condition: ColumnElement[bool], limit: int | None) -> list[int]:
    stmt = select(*SHOWN).where(condition)
    if limit is not None:
        stmt = stmt.limit(limit)
    with store.read() as session:
        return shown(session.execute(stmt))


def like(store: Store, label: str, about: str) -> Contender:
    """Substring anywhere in name, email or company: LIKE on SQLite, ILIKE on PostgreSQL."""

    def search(query: str, limit: int | None) -> list[int]:
        pattern = f"%{query}%"
        return ids_where(store, or_(*(c.ilike(pattern) for c in COLUMNS)), limit)

    return Contender(label, about, search, same_meaning=False)


def word_start_regex(store: Store) -> Contender:
    def search(query: str, limit: int | None) -> list[int]:
        terms = TYPED_WORD.findall(query)
        if not terms:
            return []
        condition = and_(
            *(or_(*(c.regexp_match(rf"\m{t}", flags="i") for c in COLUMNS)) for t in terms)
        )
        return ids_where(store, condition, limit)

    about = r"name|email|company ~* '\mword' for each typed word, served by the trigram indexes"
    return Contender("~*\\m", about, search, same_meaning=True)


FTS_TABLE = "attendee_fts"


def build_fts(store: Store) -> float:
    start = time.perf_counter()
    with store.write_conn() as conn:
        conn.exec_driver_sql(
            f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(name, email, company, "
            "content='attendee', content_rowid='id', "
            "tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')"
        )
        conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
    return time.perf_counter() - start


def fts5(store: Store) -> Contender:
    def search(query: str, limit: int | None) -> list[int]:
        terms = TYPED_WORD.findall(query)
        if not terms:
            return []
        match = " ".join(f'"{t}"*' for t in terms)  # \w+ holds no quote
        sql = (
            "SELECT a.id, a.name, a.email, a.company, a.phone, a.pin_hash IS NOT NULL"
            f" FROM {FTS_TABLE} JOIN attendee AS a ON a.id = {FTS_TABLE}.rowid"
            f" WHERE {FTS_TABLE} MATCH :match"
        )
        params: dict[str, str | int] = {"match": match}
        if limit is not None:
            sql += " LIMIT :limit"
            params["limit"] = limit
        with store.read() as session:
            return shown(session.execute(text(sql), params))

    about = (
        "FTS5 MATCH '\"word\"*' for each typed word (unicode61 remove_diacritics 2, prefix='1 2 3')"
    )
    return Contender("FTS5", about, search, same_meaning=True)


def build_trigram_indexes(store: Store) -> float:
    start = time.perf_counter()
    with store.write_conn() as conn:
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for column in COLUMNS:
            conn.exec_driver_sql(
                f"CREATE INDEX attendee_{column.key}_trgm ON attendee "
                f"USING gin ({column.key} gin_trgm_ops)"
            )
    return time.perf_counter() - start


# --- measuring --------------------------------------------------------------------------------
def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)  # nearest rank
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def timed(search: Search, queries: list[str]) -> tuple[list[float], int]:
    times, hits = [], 0
    for q in queries:
        start = time.perf_counter()
        hits += len(search(q, LIMIT))
        times.append((time.perf_counter() - start) * 1000)
    return times, hits


P95s = dict[str, dict[int, float]]  # contender -> prefix length -> p95 in ms


def race(contenders: Sequence[Contender], queries: dict[int, list[str]]) -> P95s:
    """The table of times; returns each contender's p95 by prefix length."""
    rivals = contenders[1:]
    for c in contenders:
        print(f"  {c.label:<6} {c.about}")
    heads = [f"{c.label} {p}" for c in contenders for p in ("p50", "p95")]
    heads += [f"{c.label}/ours" for c in rivals]
    print(f"{'prefix':>6}  " + "  ".join(f"{h:>10}" for h in heads))
    found: P95s = {c.label: {} for c in contenders}
    for length, batch in queries.items():
        for c in contenders:
            for q in batch[:5]:  # warm the page cache for each
                c.search(q, LIMIT)
        results = [timed(c.search, batch) for c in contenders]
        p95s = [percentile(times, 95) for times, _ in results]
        for c, p95 in zip(contenders, p95s, strict=True):
            found[c.label][length] = p95
        cells = []
        for (times, _), p95 in zip(results, p95s, strict=True):
            cells += [f"{statistics.median(times):>8.2f}ms", f"{p95:>8.2f}ms"]
        cells += [f"{p95 / p95s[0]:>9.2f}x" for p95 in p95s[1:]]
        hits = ", ".join(
            f"{c.label} {n / len(batch):.0f}" for c, (_, n) in zip(contenders, results, strict=True)
        )
        print(f"{length:>6}  " + "  ".join(cells) + f"   (hits/query: {hits})")
    return found


def agree(contenders: Sequence[Contender], queries: dict[int, list[str]]) -> list[Agreement]:
    distinct = sorted({q for batch in queries.values() for q in batch})
    found = {q: set(contenders[0].search(q, None)) for q in distinct}
    agreements = []
    for c in contenders[1:]:
        a = Agreement()
        for q in distinct:
            mine, theirs = found[q], set(c.search(q, None))
            a.queries += 1
            missing = mine - theirs
            if missing:
                a.misses.append((q, missing))
            if len(mine) >= FULL:
                a.beyond_full += 1
                a.same += not missing and len(theirs) >= FULL
                continue
            extra = theirs - mine
            if extra:
                a.adds.append((q, extra))
            a.same += not missing and not extra
        agreements.append(a)
    return agreements


def who(store: Store, attendee_id: int) -> str:
    with store.read() as session:
        person = session.get_one(Attendee, attendee_id)
        return f"{person.name}, {person.email}"


def examples(store: Store, cases: list[tuple[str, set[int]]], verb: str) -> None:
    for q, ids in cases[:3]:
        print(f"      {q!r}: {verb} {len(ids)}, e.g. {who(store, min(ids))}")


def compare(store: Store, contenders: Sequence[Contender], queries: dict[int, list[str]]) -> None:
    agreements = agree(contenders, queries)
    n = agreements[0].queries if agreements else 0
    beyond = agreements[0].beyond_full if agreements else 0
    print(
        f"who is found, on {n} distinct queries (ours up to {FULL}; for the {beyond} queries "
        f"where ours reaches {FULL}, only whether theirs has all of ours):"
    )
    for c, a in zip(contenders[1:], agreements, strict=True):
        meaning = (
            "same meaning as ours"
            if c.same_meaning
            else "the typed text as one substring anywhere: finds more by design, and misses "
            "people whose typed words are apart, as in 'anna.k' for Anna at Kettle & Co"
        )
        line = (
            f"  {c.label} ({meaning}): same people on {a.same} of {a.queries}; "
            f"finds more on {len(a.adds)}, misses some of ours on {len(a.misses)}"
        )
        print(line)
        examples(store, a.misses, "misses")
        examples(store, a.adds, "finds more")


# --- the databases ----------------------------------------------------------------------------
def load(store: Store, people: list[dict[str, str | None]]) -> float:
    upgrade(store)
    start = time.perf_counter()
    add_attendees_bulk(store, people)
    return time.perf_counter() - start


def settle(store: Store) -> None:
    """PostgreSQL: what autovacuum soon does after a load, done now at either size: the planner
    sees the rows (ANALYZE), and index-only scans need not visit the table (VACUUM)."""
    if store.is_sqlite:
        return
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")


def small_run(
    label: str, store: Store, people: list[dict[str, str | None]], queries: dict[int, list[str]]
) -> P95s:
    """Ours on the small event, the p95s the big one is held to; and the rivals there too, to
    show how their own p95s grow with the rows."""
    loaded = load(store, people)
    if store.is_sqlite:
        built = build_fts(store)
        contenders = [ours(store), fts5(store)]
    else:
        built = build_trigram_indexes(store)
        contenders = [ours(store), word_start_regex(store)]
    settle(store)
    print(f"{label}: {len(people):,} attendees loaded in {loaded:.1f} s (index {built:.1f} s)")
    return race(contenders, queries)


def verdicts(label: str, rivals: Sequence[str], small: P95s, big: P95s) -> bool:
    """Ours at the big size against ours at the small one, and against the fastest of the
    rivals there (at each prefix length); and the rivals' own growth, for comparison."""
    mine = small["ours"]
    growth = max(big["ours"][n] / mine[n] for n in mine)
    print(
        f"{label}: ours, p95 big/small by prefix length: "
        + ", ".join(f"{n}: {big['ours'][n] / mine[n]:.2f}x" for n in mine)
        + f" (goal at most {GROWTH}x: {'met' if growth <= GROWTH else 'NOT met'})"
    )
    for rival in (r for r in small if r != "ours" and r in big):
        print(
            f"{label}: {rival} for comparison, p95 big/small by prefix length: "
            + ", ".join(f"{n}: {big[rival][n] / small[rival][n]:.2f}x" for n in mine)
        )
    measured = [r for r in rivals if r in big]
    if not measured:
        print(f"{label}: {' and '.join(rivals)} not measured")
        return False
    fastest = {n: min(big[r][n] for r in measured) for n in mine}
    rival = " or ".join(measured)
    beaten = max(big["ours"][n] / fastest[n] for n in mine)
    print(
        f"{label}: ours over the faster of {rival}, p95 at the big size by prefix length: "
        + ", ".join(f"{n}: {big['ours'][n] / fastest[n]:.2f}x" for n in mine)
        + f" (goal at most 1x: {'met' if beaten <= 1 else 'NOT met'})"
    )
    return growth <= GROWTH and beaten <= 1


def on_sqlite(
    path: Path, people: list[dict[str, str | None]], queries: dict[int, list[str]]
) -> P95s:
    store = Store(f"sqlite:///{path}")
    loaded = load(store, people)
    built = build_fts(store)
    print(
        f"sqlite: {len(people):,} attendees loaded in {loaded:.1f} s; "
        f"FTS5 table over them built in {built:.1f} s"
    )
    scan = "name|email|company LIKE '%q%', a scan"
    contenders = [ours(store), fts5(store), like(store, "LIKE", scan)]
    found = race(contenders, queries)
    compare(store, contenders, queries)
    store.dispose()
    return found


def first_line(exc: DBAPIError) -> str:
    return (str(exc.orig) if exc.orig is not None else str(exc)).strip().splitlines()[0]


def measure_postgres(
    store: Store, people: list[dict[str, str | None]], queries: dict[int, list[str]]
) -> P95s:
    loaded = load(store, people)
    contenders = [ours(store)]
    try:
        built = build_trigram_indexes(store)
    except DBAPIError as exc:
        print(f"postgresql: {len(people):,} attendees loaded in {loaded:.1f} s")
        print(f"pg_trgm: not measured ({first_line(exc)})")
    else:
        print(
            f"postgresql: {len(people):,} attendees loaded in {loaded:.1f} s; "
            f"pg_trgm GIN indexes on name, email and company built in {built:.1f} s"
        )
        indexed = "name|email|company ILIKE '%q%', served by the trigram indexes"
        contenders += [like(store, "ILIKE", indexed), word_start_regex(store)]
    settle(store)
    found = race(contenders, queries)
    if len(contenders) > 1:
        compare(store, contenders, queries)
    return found


@contextmanager
def postgres_store(server: str) -> Iterator[Store | None]:
    """A database of its own on that server, dropped after the run (None: none to be had)."""
    with ExitStack() as stack:
        try:
            url = stack.enter_context(scratch_database(server, "eventdesk_bench_search"))
        except DBAPIError as exc:
            print(f"postgresql: not measured ({first_line(exc)})")
            yield None
            return
        store = Store(url)
        stack.callback(store.dispose)  # before the database is dropped
        yield store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attendees", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--postgres",
        default=variables.read_text(POSTGRES_ENV),
        help=f"PostgreSQL server URL (default: ${POSTGRES_ENV}); a database is made for the run",
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    people = make_people(args.attendees, rng)
    small_people = people[: args.small]  # the big event has every one of them too
    queries = make_queries(small_people, args.queries, rng)
    print(
        f"{args.queries} queries each of 1, 3 and 6 letters, for people of the small event (so"
        " the big one has them too); ratios are their p95 over ours (above 1: ours is faster)"
    )
    met = []
    with tempfile.TemporaryDirectory() as tmp:
        small = small_run(
            "sqlite", Store(f"sqlite:///{Path(tmp) / 'small.db'}"), small_people, queries
        )
        big = on_sqlite(Path(tmp) / "bench.db", people, queries)
        met.append(verdicts("sqlite", ["FTS5"], small, big))
    if args.postgres:
        with postgres_store(args.postgres) as store:
            if store is not None:
                small = small_run("postgresql", store, small_people, queries)
        with postgres_store(args.postgres) as store:
            if store is not None:
                big = measure_postgres(store, people, queries)
                met.append(verdicts("postgresql", ["ILIKE", "~*\\m"], small, big))
    else:
        print(f"postgresql: not measured (no server URL: --postgres URL or ${POSTGRES_ENV})")
    print(
        f"goal: p95 at {args.attendees:,} at most {GROWTH}x at {args.small:,}, and at most"
        " FTS5's (SQLite) and pg_trgm's (PostgreSQL) p95 on the same rows and queries:"
        f" {'met' if len(met) == 2 and all(met) else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
