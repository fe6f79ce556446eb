"""The server's station API as the live code calls it: the schema of its functions, the views
each kind of station login reads, the functions such a login may call, and the codes and bounds
its functions answer with. The migrations made them (eventdesk/migrations/, each frozen as it
was written); this is what they add up to now, and tests/core/test_station_api.py holds the two
together on a migrated server."""

from __future__ import annotations

from collections.abc import Sequence

API = "station_api"  # the schema of the server's functions for a station's own login
# The schema of views each kind of station login reads (its search_path).
VIEWS = {"door": "station_door", "desk": "station_desk"}
# The functions a station's login may call, with their arguments' types (the helpers, whose
# names start with _, are for these only).
CALLABLE: Sequence[str] = (
    "whoami()",
    "admit(text, text, timestamptz, text, boolean, boolean)",
    "readmit(text, text)",
    "leave(text, text)",
    "session_admit(text, text, integer, timestamptz, text, boolean, boolean)",
    "log_scan(text, timestamptz, text, integer, integer, text, text, text, text, text, text,"
    " boolean)",
    "undo(text, text, integer, timestamptz, timestamptz, text)",
    "annul_own(text, text, integer, timestamptz)",
    "conflict(text, text, text, text, timestamptz, text)",
    "pin_salt(text, text)",
    "pin_check(text, text, text)",
    "offline_lockout(integer, integer, timestamptz, integer)",
    "report_clock(text, bigint)",
    "printed_offline(text, text, text, text, text, integer, text, timestamptz, timestamptz)",
    "list_admit(text, text, integer, text, timestamptz, text, boolean, boolean)",
    "list_reenter(text, text, integer, text, timestamptz, boolean)",
    "list_leave(text, text, integer, text)",
    "answer(text, text, integer, text, text, timestamptz)",
    "upload_refused(text, text, text, timestamptz, text, text, text)",
    "upload_admits(text, jsonb)",
    "copy_key(text)",
    "override_admit(text, text, integer, timestamptz, text, text, text, text, text)",
    "quota_sale(text, text, integer, integer, text, text, text, text, timestamptz, text,"
    " boolean, text[], text)",
    "synced(text)",
)
UPLOAD_BOUND = 6000  # rows a minute a station may upload (upload_admits, log_scan, conflict)
TOO_MANY = "54000"  # the error code past that bound: the station keeps the rows, sends later
NO_PLACES = "ED002"  # the error code of a sale uploaded past the station's quota
REVOKED = "ED001"  # the error code of a revoked station asking for its copy's key
REFUSALS_KEPT = 500  # a station's refusals the server keeps one by one; past that, counted
