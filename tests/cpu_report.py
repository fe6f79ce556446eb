"""``--cpu-report N``: what each test cost the machine's cores, its own process's CPU and that of
the processes it started and waited for (a station's `eventdesk`, a real terminal's app), for the
whole of its setup, call and teardown; at the end, the totals and the N tests that cost most.

The suite is bound by its CPU, not by its waits: on a 2-core machine its workers keep both cores
busy nearly all the time. Wall time (``--durations``) shows a test that waits on a timeout as
long, though it costs nothing while it waits; this says where the suite's minutes go. A server's
own work (PostgreSQL's processes) is not counted: they are not the test's children."""

from __future__ import annotations

import resource
from collections.abc import Generator
from typing import Any, cast

import pytest

from tests.forks import reaped_cpu

_KEY = "cpu_seconds"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--cpu-report",
        type=int,
        default=0,
        metavar="N",
        help="print the CPU each test and its processes took, and the N tests that took most",
    )


def _cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    # Commands forked for this process (tests/forks.py) are its fork server's children.
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime + reaped_cpu()


_started: dict[str, tuple[float, float]] = {}
_costs: dict[str, list[float]] = {}  # nodeid: [own, children], as the reports tell it


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[Any]
) -> Generator[None, Any, None]:
    """Each phase's CPU, on its report (reports cross from xdist's workers to the controller)."""
    outcome = yield
    if not item.config.getoption("cpu_report"):
        return
    own, children = _cpu()
    before = _started.pop(item.nodeid, None)
    if call.when != "teardown":
        _started[item.nodeid] = (own, children)
    if before is None:
        return
    report = outcome.get_result()
    report.user_properties.append((_KEY, (own - before[0], children - before[1])))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """The test's setup starts: its CPU counts from here (in the process that runs it)."""
    if item.config.getoption("cpu_report"):
        _started[item.nodeid] = _cpu()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for key, value in report.user_properties:
        if key == _KEY:
            own, children = cast("tuple[float, float]", value)
            cost = _costs.setdefault(report.nodeid, [0.0, 0.0])
            cost[0] += own
            cost[1] += children


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    shown = config.getoption("cpu_report")
    if not shown or not _costs or hasattr(config, "workerinput"):
        return
    write = terminalreporter.write_line
    own = sum(cost[0] for cost in _costs.values())
    children = sum(cost[1] for cost in _costs.values())
    terminalreporter.section(f"CPU of the tests: the {shown} that took most")
    write(
        f"{len(_costs)} tests: {own + children:,.0f} s of CPU, {own:,.0f} s in the tests' "
        f"processes and {children:,.0f} s in the processes they started"
    )
    by_cost = sorted(_costs.items(), key=lambda kv: -(kv[1][0] + kv[1][1]))
    for nodeid, (mine, theirs) in by_cost[:shown]:
        write(f"{mine + theirs:7.1f} s  ({mine:5.1f} own, {theirs:5.1f} started)  {nodeid}")
