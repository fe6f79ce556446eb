"""The texts a person reads that are not marked for translation (docs/languages.md).

Two kinds of modules are read. In a *screen or command* module (the Textual screens, the command
line, the door's answers) every string that reads as words must be a message: the first
argument of ``_`` or ``N_`` (or the first two of ``ngettext``), written out in full, never an
f-string (a translation needs the whole sentence, its values as ``{names}``). What is not read by
a person is left alone: docstrings, dictionary keys, comparisons, CSS, SQL, selectors and
classes, log lines, a click option's names and help, and a line that says
``# not for translation`` with its reason. In every other module, the message of an error a
person meets (``InvalidInput``, ``NotFound``... every ``EventdeskError``) must be marked.

    python3 -m testkit.unmarked [PATH ...]    each unmarked text as FILE:LINE: text
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("eventdesk", "screens", "badges", "devices")
# Read as a whole: what these show or say, a person reads.
SCREEN_MODULES = (
    "screens/",
    "eventdesk/cli/",
    "badges/cli.py",
    "devices/cli.py",
    "devices/print_cli.py",
    "eventdesk/services/door/rules.py",
    "eventdesk/services/door/list_door.py",
    "eventdesk/services/door/lists.py",
)
SKIPPED = ("eventdesk/migrations/",)
PRAGMA = "not for translation"
MARKERS = {"_": 1, "N_": 1, "ngettext": 2, "pgettext": 2, "NC_": 2}
BASE_ERRORS = {"EventdeskError", "UsageError", "ClickException", "BadParameter"}
# Calls whose string arguments are for the program, not a person.
PROGRAM_CALLS = {
    "query",
    "query_one",
    "query_exactly_one",
    "query_ancestor",
    "query_children",
    "add_class",
    "remove_class",
    "set_class",
    "toggle_class",
    "has_class",
    "set_classes",
    "text",
    "execute",
    "exec_driver_sql",
    "compile",
    "match",
    "fullmatch",
    "search",
    "sub",
    "split",
    "rsplit",
    "startswith",
    "endswith",
    "replace",
    "removeprefix",
    "removesuffix",
    "strip",
    "rstrip",
    "lstrip",
    "getenv",
    "get",
    "pop",
    "setdefault",
    "getattr",
    "setattr",
    "hasattr",
    "option",
    "argument",
    "Path",
    "open",
    "TypeError",
    "RuntimeError",
    "AssertionError",
    "NotImplementedError",
    "KeyError",
    "debug",
    "info",
    "warning",
    "exception",
    "critical",
    "strftime",
    "strptime",
    "fromisoformat",
    "Column",
    "encode",
    "decode",
    "run_worker",
    "work",
    "TypeVar",
    "Literal",
    "cast",
    "field",
    "namedtuple",
    "bind",
    "call_later",
    "set_interval",
    "mount",
    "watch",
    "register_theme",
    "on",
}
PROGRAM_KEYWORDS = {
    "id",
    "classes",
    "name",
    "key",
    "variant",
    "group",
    "help",
    "metavar",
    "envvar",
    "type",
    "prog_name",
    "package_name",
    "css",
    "action",
    "sep",
    "end",
    "encoding",
    "errors",
    "mode",
    "style",
    "field",
    "thread",
    "exit_on_error",
    "exclusive",
    "format",
    "kind",
    "tooltip_id",
    "cls",
    "context_settings",
    "short_help",
    "epilog",
    "server",  # a door rule's condition as the server's SQL writes it
}
SQL = re.compile(
    r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|ALTER|DROP|PRAGMA|BEGIN|GRANT|REVOKE|SET|"
    r"COMMENT|FROM|WHERE|AND|OR|ON|JOIN|LEFT|ORDER|GROUP|RETURNING|VALUES|CASE|COALESCE|"
    r"SAVEPOINT|RELEASE|ROLLBACK|LOCK|VACUUM|ANALYZE|EXPLAIN|REINDEX|NOT|IN|EXISTS|AS|"
    r"UNION|LIMIT|HAVING|DO|IF|ELSE|WHEN|THEN|END|DECLARE|RETURN|RAISE|PERFORM|LANGUAGE)\b"
)
WORDS = re.compile(r"[^\W\d_]{2,}")
TWO_WORDS = re.compile(r"[^\W\d_]{2,}[ ,:;'’-]+\S*[^\W\d_]")


@dataclass(frozen=True)
class Unmarked:
    path: str
    line: int
    text: str
    why: str = "not marked for translation"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.why}: {self.text!r}"


def reads_as_words(text: str) -> bool:
    """Whether a person would read ``text``: two words or more, or one capitalised word."""
    stripped = text.strip()
    if not stripped or SQL.match(stripped) or "$" in stripped:
        return False
    if stripped.startswith(("#", "-", "/", "%", ".", "<", "&", "^", "~", "*")):
        return False
    if re.fullmatch(r"[a-z0-9_.:\-/\[\]()= ]*", stripped) and " " not in stripped:
        return False
    if TWO_WORDS.search(stripped):
        return True
    return bool(re.fullmatch(r"[^\W\d_][^\W\d_A-Z]+[.!?:…]?", stripped)) and stripped[0].isupper()


def _text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            str(part.value) if isinstance(part, ast.Constant) else "{}" for part in node.values
        )
    return None


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


class _Reader(ast.NodeVisitor):
    def __init__(self, path: str, source: str, whole: bool, errors: set[str]) -> None:
        self.path, self.whole, self.errors = path, whole, errors
        self.lines = source.splitlines()
        self.found: list[Unmarked] = []
        self.parents: dict[ast.AST, ast.AST] = {}

    def read(self, tree: ast.Module) -> list[Unmarked]:
        for parent in ast.walk(tree):
            for child in ast.iter_child_nodes(parent):
                self.parents[child] = parent
        for node in ast.walk(tree):
            text = _text(node)
            if text is None or isinstance(self.parents.get(node), ast.JoinedStr):
                continue
            self._judge(node, text)
        return self.found

    def _pragma(self, node: ast.AST) -> bool:
        first = getattr(node, "lineno", 1)
        last = getattr(node, "end_lineno", first) or first
        statement = node
        while statement in self.parents and not isinstance(statement, ast.stmt):
            statement = self.parents[statement]
        first = min(first, getattr(statement, "lineno", first))
        return any(PRAGMA in line for line in self.lines[first - 1 : last])

    def _judge(self, node: ast.AST, text: str) -> None:
        parent = self.parents.get(node)
        marked = self._marked(node, parent)
        if marked is True:
            return
        if marked == "f-string":
            self.found.append(
                Unmarked(self.path, node.lineno, text, "an f-string in a message")  # type: ignore[attr-defined]
            )
            return
        if not reads_as_words(text) or self._pragma(node):
            return
        read = not self._for_the_program(node) if self.whole else self._an_error_message(node)
        if read:
            self.found.append(Unmarked(self.path, node.lineno, text))  # type: ignore[attr-defined]

    def _marked(self, node: ast.AST, parent: ast.AST | None) -> bool | str:
        if not isinstance(parent, ast.Call):
            return False
        name = _name(parent.func)
        if name in MARKERS and node in parent.args[: MARKERS[name]]:
            return "f-string" if isinstance(node, ast.JoinedStr) else True
        return False

    def _an_error_message(self, node: ast.AST) -> bool:
        child, parent = node, self.parents.get(node)
        while parent is not None:
            if isinstance(parent, ast.Call):
                return _name(parent.func) in self.errors and child in parent.args[:1]
            if not isinstance(parent, (ast.BinOp, ast.IfExp, ast.JoinedStr, ast.FormattedValue)):
                return False
            child, parent = parent, self.parents.get(parent)
        return False

    def _for_the_program(self, node: ast.AST) -> bool:
        child, parent = node, self.parents.get(node)
        while parent is not None:
            if isinstance(parent, ast.Expr) and isinstance(child, ast.Constant):
                return True  # a docstring, or a string standing alone
            if isinstance(parent, ast.Dict) and child in parent.keys:
                return True
            if isinstance(parent, ast.Subscript) and child is parent.slice:
                return True
            if isinstance(parent, ast.Compare | ast.Assert | ast.match_case | ast.MatchValue):
                return True
            if isinstance(parent, ast.keyword) and parent.arg in PROGRAM_KEYWORDS:
                return True
            if isinstance(parent, ast.Call):
                name = _name(parent.func)
                if name in PROGRAM_CALLS or name in MARKERS:
                    return True
                if isinstance(parent.func, ast.Attribute) and _name(parent.func.value) in {
                    "log",
                    "logger",
                    "logging",
                    "LOG",
                    "re",
                    "os",
                    "json",
                    "struct",
                    "sqlalchemy",
                    "sa",
                }:
                    return True
            if isinstance(parent, (ast.Assign, ast.AnnAssign)):
                targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
                names = {_name(target) for target in targets}
                if any(n.endswith(("CSS", "SQL", "QUERY")) or n == "__all__" for n in names):
                    return True
            if isinstance(parent, ast.stmt):
                return False
            child, parent = parent, self.parents.get(parent)
        return False


def _error_classes(trees: list[ast.Module]) -> set[str]:
    """Every exception class a person meets: EventdeskError's subclasses, and click's."""
    found = set(BASE_ERRORS)
    classes = [node for tree in trees for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    grown = True
    while grown:
        grown = False
        for node in classes:
            if node.name not in found and any(_name(base) in found for base in node.bases):
                found.add(node.name)
                grown = True
    return found


def _files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return files


def unmarked(paths: list[Path] | None = None, *, as_screens: bool = False) -> Iterator[Unmarked]:
    """The texts a person reads, in ``paths`` (default: the whole product), not marked;
    ``as_screens``: each file read whole, as a screen's module is (a file outside the product,
    a test's, is named by its name)."""
    every = _files([ROOT / folder for folder in SOURCES])
    chosen = every if paths is None else _files(paths)
    parsed = {file: ast.parse(file.read_text(encoding="utf-8")) for file in every}
    errors = _error_classes(list(parsed.values()))
    for file in chosen:
        try:
            relative = file.resolve().relative_to(ROOT).as_posix()
        except ValueError:  # not the product's
            relative = file.name
        if relative.startswith(SKIPPED):
            continue
        source = file.read_text(encoding="utf-8")
        tree = parsed.get(file) or ast.parse(source)
        whole = as_screens or relative.startswith(SCREEN_MODULES)
        yield from _Reader(relative, source, whole, errors).read(tree)


def main(argv: list[str]) -> int:
    found = list(unmarked([Path(arg).resolve() for arg in argv] or None))
    for item in found:
        print(item)
    print(f"{len(found)} unmarked", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
