"""pretix's names in parts (``attendee_name_parts`` by the event's name scheme, pretix's
PERSON_NAME_SCHEMES) read as a whole name written as the scheme writes it and its family part
(services.data.pretix.name_parts), which our lists sort under. The import from a real pretix
is tests/e2e/test_pretix_*.py."""

from __future__ import annotations

import pytest

from eventdesk.services.data.pretix import name_parts

KHAI = {"given_name": "Thị Minh Khai", "family_name": "Nguyễn"}


@pytest.mark.parametrize(
    ("parts", "whole", "expected"),
    [
        # pretix's own concatenation, when it gives one, is the name as written
        ({"_scheme": "family_given", **KHAI}, "Nguyễn Thị Minh Khai",
         ("Nguyễn Thị Minh Khai", "Nguyễn")),
        # without it, the parts in the scheme's order: family first, with or without a space
        ({"_scheme": "family_given", **KHAI}, None, ("Nguyễn Thị Minh Khai", "Nguyễn")),
        ({"_scheme": "family_nospace_given", "given_name": "太郎", "family_name": "山田"}, "",
         ("山田太郎", "山田")),
        ({"_scheme": "family_comma_given", "given_name": "Ana", "family_name": "López"}, None,
         ("López, Ana", "López")),
        # given first, a title before
        ({"_scheme": "title_given_family", "title": "Dr.", "given_name": "Ada",
          "family_name": "Byron"}, None, ("Dr. Ada Byron", "Byron")),
        ({"_scheme": "given_family", "given_name": "Gus", "family_name": "Trusted"}, None,
         ("Gus Trusted", "Trusted")),
        # one full name: no family part given apart (told from the name, as before)
        ({"_scheme": "full", "full_name": "Lan Nguyễn"}, None, ("Lan Nguyễn", None)),
        ({"_scheme": "calling_full", "full_name": "Robert Smith", "calling_name": "Bob"}, None,
         ("Robert Smith", None)),
        (None, "Lan Nguyễn", ("Lan Nguyễn", None)),
        ({}, "", None),
        (None, None, None),
    ],
)  # fmt: skip
def test_a_name_in_parts_is_written_as_its_scheme_writes_it(
    parts: dict[str, str] | None, whole: str | None, expected: tuple[str, str | None] | None
) -> None:
    assert name_parts(parts, whole) == expected
