"""The French catalogues against the code, without GNU gettext (pure Python: Django's own template
converter, the ast module and polib).

python tools/messages.py --check          # exit 1 on a message with no French, a fuzzy entry, a
                                          # message two apps translate differently, or a committed
                                          # .mo out of date; names each (file:line)
python tools/messages.py --update         # add every message missing from its app's catalogue with an
                                          # empty translation (then translate them and compile)
python tools/messages.py --list [APP]     # the missing messages, one per line, for APP or all

A message belongs to the catalogue of the app its file lives in: `APP/...` or `APP/templates/...`;
the project's own `templates/` belong to `lbp_pathway`. Django merges every app's catalogue at run
time, so a message translated in any catalogue counts as translated.
"""

from __future__ import annotations

import ast
import io
import sys
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import django
import polib
from django.conf import settings
from django.utils.translation.template import templatize

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compile_messages import compiled  # noqa: E402  (a script beside this one)

ROOT = Path(__file__).resolve().parent.parent
LANGUAGE = "fr"
PROJECT_APP = "lbp_pathway"
SKIPPED_PARTS = {
    ".venv",
    "node_modules",
    "migrations",
    "tests",
    "staticfiles",
    "mutants",
    ".devdata",
}

# name -> (index of the context argument or None, index of the singular, index of the plural or None)
KEYWORDS: dict[str, tuple[int | None, int, int | None]] = {
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "_": (None, 0, None),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}


@dataclass(frozen=True)
class Message:
    msgid: str
    plural: str | None
    context: str | None
    path: Path  # relative to the project's root
    line: int

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.context, self.msgid)

    def where(self) -> str:
        return f"{self.path}:{self.line}"


def apps(root: Path = ROOT) -> list[str]:
    return sorted(path.parent.name for path in root.glob("*/apps.py"))


def sources(root: Path = ROOT) -> Iterator[Path]:
    for top in [*apps(root), "templates"]:
        for path in sorted((root / top).rglob("*")):
            if SKIPPED_PARTS & set(path.relative_to(root).parts):
                continue
            if path.suffix in {".py", ".html", ".txt"} and path.is_file():
                yield path


def app_of(path: Path) -> str:
    """The app whose catalogue holds the messages of `path` (relative to the project's root)."""
    top = path.parts[0]
    return PROJECT_APP if top == "templates" else top


def _python_messages(path: Path, text: str) -> Iterator[Message]:
    for node in ast.walk(ast.parse(text, filename=str(path))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in KEYWORDS:
            continue
        context_at, singular_at, plural_at = KEYWORDS[name]
        strings = [
            arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None
            for arg in node.args
        ]

        def at(index: int | None, strings: list[str | None] = strings) -> str | None:
            return strings[index] if index is not None and index < len(strings) else None

        singular = at(singular_at)
        if singular:
            yield Message(singular, at(plural_at), at(context_at), path, node.lineno)


def _template_messages(path: Path, text: str) -> Iterator[Message]:
    # templatize writes each message on one line (as a Python literal); its indentation follows the
    # template's, which Python's tokenizer may reject, so every line is read without it.
    converted = "\n".join(line.lstrip() for line in templatize(text, origin=str(path)).splitlines())
    tokens = [
        token
        for token in tokenize.generate_tokens(io.StringIO(converted).readline)
        if token.type not in {tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT}
    ]
    for index, token in enumerate(tokens):
        if token.type != tokenize.NAME or token.string not in KEYWORDS:
            continue
        if index + 1 >= len(tokens) or tokens[index + 1].string != "(":
            continue
        arguments: list[str | None] = []
        for following in tokens[index + 2 :]:
            if following.string == ")":
                break
            if following.type == tokenize.STRING:
                arguments.append(ast.literal_eval(following.string))
            elif following.string != ",":
                arguments.append(None)
        context_at, singular_at, plural_at = KEYWORDS[token.string]

        def at(index: int | None, arguments: list[str | None] = arguments) -> str | None:
            return arguments[index] if index is not None and index < len(arguments) else None

        singular = at(singular_at)
        if singular:
            yield Message(singular, at(plural_at), at(context_at), path, token.start[0])


def extract(root: Path = ROOT) -> list[Message]:
    if not settings.configured:
        settings.configure()
        django.setup()
    found: list[Message] = []
    for path in sources(root):
        text = path.read_text(encoding="utf-8")
        relative = path.relative_to(root)
        if path.suffix == ".py":
            found.extend(_python_messages(relative, text))
        else:
            found.extend(_template_messages(relative, text))
    return found


def catalogue_path(app: str, root: Path = ROOT) -> Path:
    return root / app / "locale" / LANGUAGE / "LC_MESSAGES" / "django.po"


def catalogues(root: Path = ROOT) -> dict[Path, polib.POFile]:
    return {
        path: polib.pofile(str(path))
        for path in sorted(root.glob(f"*/locale/{LANGUAGE}/LC_MESSAGES/django.po"))
    }


def _translated(entry: polib.POEntry) -> bool:
    if "fuzzy" in entry.flags or entry.obsolete:
        return False
    if entry.msgid_plural:
        return bool(entry.msgstr_plural) and all(entry.msgstr_plural.values())
    return bool(entry.msgstr)


def missing(root: Path = ROOT) -> list[Message]:
    """Every message of the code with no French translation in any catalogue (first place each)."""
    translated = {
        (entry.msgctxt, entry.msgid)
        for catalogue in catalogues(root).values()
        for entry in catalogue
        if _translated(entry)
    }
    seen: set[tuple[str | None, str]] = set()
    result = []
    for message in extract(root):
        if message.key not in translated and message.key not in seen:
            seen.add(message.key)
            result.append(message)
    return result


def clashes(root: Path = ROOT) -> list[str]:
    """A message translated differently in two apps' catalogues: Django merges the catalogues and
    the first app's translation is used everywhere, so one page would read the other's French
    (a count "Évalués" as an episode status). Agree on one, or give the uses a context."""
    french: dict[tuple[str | None, str], dict[str, str]] = {}
    for path, catalogue in catalogues(root).items():
        for entry in catalogue:
            if _translated(entry) and not entry.msgid_plural:
                french.setdefault((entry.msgctxt, entry.msgid), {})[
                    app_of(path.relative_to(root))
                ] = entry.msgstr
    return [
        f"{msgid!r}{f' (context {context!r})' if context else ''} is translated differently: "
        + ", ".join(f"{app} {text!r}" for app, text in sorted(by_app.items()))
        + " (agree on one, or give the uses a context)"
        for (context, msgid), by_app in sorted(french.items(), key=lambda item: item[0][1])
        if len(set(by_app.values())) > 1
    ]


def problems(root: Path = ROOT) -> list[str]:
    found = [f"{m.where()}: no French for {m.msgid!r}" for m in missing(root)]
    for path, catalogue in catalogues(root).items():
        for entry in catalogue:
            if "fuzzy" in entry.flags:
                found.append(f"{path.relative_to(root)}: fuzzy entry {entry.msgid!r}")
    found += clashes(root)
    for path in catalogues(root):
        mo_path = path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.read_bytes() != compiled(path):
            found.append(
                f"{mo_path.relative_to(root)}: missing or out of date "
                "(python tools/compile_messages.py)"
            )
    return found


def update(root: Path = ROOT) -> int:
    """Add each missing message to its app's catalogue (empty translation); returns how many."""
    added = 0
    opened: dict[Path, polib.POFile] = {}
    for message in missing(root):
        path = catalogue_path(app_of(message.path), root)
        if path not in opened:
            if path.exists():
                opened[path] = polib.pofile(str(path))
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                catalogue = polib.POFile()
                catalogue.metadata = {
                    "Project-Id-Version": f"LBP Pathway {app_of(message.path)}",
                    "Language": "fr_CA",
                    "MIME-Version": "1.0",
                    "Content-Type": "text/plain; charset=UTF-8",
                    "Content-Transfer-Encoding": "8bit",
                    "Plural-Forms": "nplurals=2; plural=(n > 1);",
                }
                opened[path] = catalogue
        catalogue = opened[path]
        entry = catalogue.find(message.msgid, msgctxt=message.context)
        if entry is None:
            catalogue.append(
                polib.POEntry(
                    msgid=message.msgid,
                    msgid_plural=message.plural or "",
                    msgctxt=message.context,
                    msgstr="",
                    msgstr_plural={0: "", 1: ""} if message.plural else {},
                    occurrences=[(str(message.path), str(message.line))],
                )
            )
            added += 1
    for path, catalogue in opened.items():
        catalogue.save(str(path))
    return added


def main(argv: list[str]) -> int:
    if "--update" in argv:
        print(f"{update()} message(s) added with an empty translation")
        return 0
    if "--list" in argv:
        wanted = [arg for arg in argv if not arg.startswith("--")]
        for message in missing():
            if not wanted or app_of(message.path) in wanted:
                print(f"{message.where()}\t{message.msgid!r}")
        return 0
    found = problems()
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} problem(s) in the French catalogues", file=sys.stderr)
        return 1
    print("French catalogues: every message translated, nothing fuzzy, .mo files up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
