"""The live code's picture of the server's station API (eventdesk/station_api.py) is what the
migrations built: every function a station's login may call is there with those arguments and
no other is, the views' schemas are there, and the codes and the bound its functions answer
with are the ones they were written with. And no live module reads a migration module: the
SQL live code needs lives beside it."""

from __future__ import annotations

import ast
import importlib.util
import os
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import create_engine, text

from eventdesk import station_api
from eventdesk.migrations import (
    checkin_lists_0014,
    station_access_0013,
    station_functions_0013,
    station_quota_sale,
    stations_0017,
    stations_0019,
    stations_0020,
    stations_0029,
)
from tests.conftest import PG_ENV, PG_SKIP

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def backend_fixed() -> None:
    """The database is chosen here (see conftest.pytest_generate_tests)."""


@pytest.mark.skipif(not os.environ.get(PG_ENV), reason=PG_SKIP)
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_the_callable_functions_are_the_servers(db_url: str, backend_fixed: None) -> None:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            missing = [
                call
                for call in station_api.CALLABLE
                if conn.execute(
                    text("SELECT to_regprocedure(:f)"), {"f": f"{station_api.API}.{call}"}
                ).scalar()
                is None
            ]
            public = conn.execute(
                text(
                    "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                    " WHERE n.nspname = :api AND p.proname NOT LIKE '\\_%'"
                ),
                {"api": station_api.API},
            ).scalar()
            schemas = conn.execute(
                text("SELECT count(*) FROM pg_namespace WHERE nspname = ANY(:names)"),
                {"names": list(station_api.VIEWS.values())},
            ).scalar()
    finally:
        engine.dispose()
    assert missing == []
    assert public == len(station_api.CALLABLE) == len(set(station_api.CALLABLE))
    assert schemas == 2


def _migration(name: str) -> ModuleType:
    """A migration script of eventdesk/migrations/versions (not a package: loaded by path)."""
    import eventdesk.migrations

    path = Path(eventdesk.migrations.__file__).parent / "versions" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"migration_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_names_and_codes_are_the_migrations() -> None:
    assert station_api.API == station_functions_0013.API
    assert station_api.VIEWS == station_access_0013.VIEWS
    made = (
        *station_access_0013.CALLABLE,
        *checkin_lists_0014.CALLABLE,
        *stations_0017.CALLABLE,
        *stations_0019.CALLABLE,
        *stations_0020.CALLABLE,
        *_migration("0027_supervisor_override").CALLABLE,
        *station_quota_sale.CALLABLE,
        *stations_0029.CALLABLE,
    )
    made = tuple(call for call in made if call not in stations_0029.DROPPED)
    assert sorted(station_api.CALLABLE) == sorted(made)
    assert station_api.UPLOAD_BOUND == stations_0019.UPLOAD_BOUND
    assert station_api.TOO_MANY == stations_0019.TOO_MANY
    assert station_api.REVOKED == stations_0020.REVOKED
    assert station_api.NO_PLACES == station_quota_sale.NO_PLACES
    assert station_api.REFUSALS_KEPT == stations_0029.REFUSALS_KEPT


def migration_imports(path: Path) -> list[str]:
    """The migration modules a file imports (the package's own HEAD_REVISION is not one)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("eventdesk.migrations."):
                found.append(f"{path.name}: {node.module}")
            elif node.module == "eventdesk.migrations":
                found += [
                    f"{path.name}: {alias.name}"
                    for alias in node.names
                    if (ROOT / "eventdesk" / "migrations" / f"{alias.name}.py").exists()
                ]
    return found


def test_no_live_module_reads_a_migration(tmp_path: Path) -> None:
    live = [
        path
        for root in ("eventdesk", "screens", "devices", "badges")
        for path in sorted((ROOT / root).rglob("*.py"))
        if "migrations" not in path.relative_to(ROOT).parts
    ]
    assert len(live) > 100
    assert [hit for path in live for hit in migration_imports(path)] == []
    planted = tmp_path / "planted.py"
    planted.write_text(
        "from eventdesk.migrations.stations_0019 import UPLOAD_BOUND\n"
        "from eventdesk.migrations import HEAD_REVISION, stations_0020\n",
        encoding="utf-8",
    )
    assert migration_imports(planted) == [
        "planted.py: eventdesk.migrations.stations_0019",
        "planted.py: stations_0020",
    ]
