"""Domain services. Each function opens its own unit of work on a Store and returns plain
dataclasses, never ORM objects, so results can cross threads and go straight to JSON."""
