"""A scanning station in a process of its own, for the multi-process and crash tests.

    python -m tests.checkin_worker DB_URL STATION PAYLOAD_FILE SEED [loop]

Scans every payload of the file in its own shuffled order and prints one JSON line per decision
(flushed after the decision was committed): [result, ticket_id, first_station]. With "loop" it
starts over, reshuffled, until it is killed.
"""

from __future__ import annotations

import json
import random
import sys

from eventdesk.db import Store
from eventdesk.services.door.checkin import Checkin


def main() -> None:
    url, station, payload_file, seed = sys.argv[1:5]
    loop = sys.argv[5:6] == ["loop"]
    with open(payload_file) as fh:
        payloads = [line.strip() for line in fh if line.strip()]
    rng = random.Random(int(seed))
    store = Store(url)
    desk = Checkin(store, station=station)
    print(json.dumps(["ready", None, None]), flush=True)
    while True:
        rng.shuffle(payloads)
        for payload in payloads:
            result = desk.scan(payload)
            print(json.dumps([result.result, result.ticket_id, result.first_station]), flush=True)
        if not loop:
            break
    store.dispose()


if __name__ == "__main__":
    main()
