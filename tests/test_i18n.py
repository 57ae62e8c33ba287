"""Chinese first and completely: every marked string has a reviewed Simplified-Chinese
translation, the compiled catalogue matches it, and pages speak Chinese unless asked otherwise."""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE_DIR = Path("locale") / "zh_Hans" / "LC_MESSAGES"
PO_FILE = ROOT / CATALOGUE_DIR / "django.po"
MO_FILE = ROOT / CATALOGUE_DIR / "django.mo"

# The same command the translators run; the test regenerates the catalogue with it.
MAKEMESSAGES = (
    "makemessages",
    "-l",
    "zh_Hans",
    "--ignore=.venv",
    "--ignore=var",
    "--ignore=static",
    "--no-obsolete",
)
# makemessages ignores these directory names at any depth (--ignore above, plus caches).
SKIPPED_DIRS = {".venv", "var", "static", "__pycache__", "node_modules", "test-artifacts"}
# Files makemessages reads (its default extensions) and the catalogue it merges into.
SOURCE_SUFFIXES = {".py", ".html", ".txt", ".po"}

# Python-format placeholders: %s, %d, %(name)s, %(count)d ...; %% is a literal percent sign.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]*\d*(?:\.\d+)?[sdifr]")


# --- a small PO reader (no third-party package) -------------------------------------------


@dataclass(frozen=True)
class Entry:
    msgctxt: str | None
    msgid: str
    msgid_plural: str | None
    msgstr: tuple[str, ...]
    flags: frozenset[str]

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    def __str__(self) -> str:
        context = f"[{self.msgctxt}] " if self.msgctxt is not None else ""
        return f"{context}{self.msgid!r}"


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")\s*$')


def _unquote(literal: str) -> str:
    literal = literal.strip()
    assert literal.startswith('"') and literal.endswith('"'), f"not a PO string: {literal}"
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), literal[1:-1])


def read_po(path: Path) -> list[Entry]:
    """The live entries of a PO file, header included; obsolete (#~) entries are left out."""
    entries: list[Entry] = []
    fields: dict[str, str] = {}
    flags: set[str] = set()
    current: str | None = None

    def flush() -> None:
        nonlocal fields, flags, current
        if "msgid" in fields:
            plural_forms = sorted(
                (int(k[7:-1]), v) for k, v in fields.items() if k.startswith("msgstr[")
            )
            msgstr = tuple(v for _, v in plural_forms) or (fields.get("msgstr", ""),)
            entries.append(
                Entry(
                    msgctxt=fields.get("msgctxt"),
                    msgid=fields["msgid"],
                    msgid_plural=fields.get("msgid_plural"),
                    msgstr=msgstr,
                    flags=frozenset(flags),
                )
            )
        fields, flags, current = {}, set(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("#~"):
            continue
        elif line.startswith("#"):
            if "msgid" in fields:  # a comment starts the next entry
                flush()
            if line.startswith("#,"):
                flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
        elif match := _KEYWORD.match(line):
            keyword, literal = match.groups()
            if keyword in ("msgctxt", "msgid") and any(k.startswith("msgstr") for k in fields):
                flush()
            current = keyword
            fields[keyword] = _unquote(literal)
        elif line.startswith('"') and current is not None:
            fields[current] += _unquote(line)
        else:
            raise AssertionError(f"{path}:{number}: cannot read {raw!r}")
    flush()
    return entries


def header_of(entries: list[Entry]) -> dict[str, str]:
    header = next(e for e in entries if e.is_header)
    pairs = (line.split(":", 1) for line in header.msgstr[0].splitlines() if ":" in line)
    return {name.strip(): value.strip() for name, value in pairs}


def messages(entries: list[Entry]) -> list[Entry]:
    return [e for e in entries if not e.is_header]


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    return read_po(PO_FILE)


# --- the committed catalogue ---------------------------------------------------------------


def test_the_catalogue_declares_simplified_chinese_with_one_plural_form(catalogue):
    header = header_of(catalogue)
    assert header["Language"] == "zh_Hans"
    assert header["Content-Type"] == "text/plain; charset=UTF-8"
    assert header["Plural-Forms"] == "nplurals=1; plural=0;"


def test_every_chinese_message_is_translated(catalogue):
    assert len(messages(catalogue)) > 50, "the catalogue looks truncated"
    untranslated = [str(e) for e in messages(catalogue) if not all(s.strip() for s in e.msgstr)]
    fuzzy = [str(e) or "(header)" for e in catalogue if "fuzzy" in e.flags]
    assert untranslated == [], "translate these in django.po"
    assert fuzzy == [], "review these fuzzy entries and remove the fuzzy flag"


def test_plural_messages_have_exactly_the_one_chinese_form(catalogue):
    wrong = [str(e) for e in messages(catalogue) if e.msgid_plural and len(e.msgstr) != 1]
    assert wrong == []


def test_translations_keep_every_placeholder_of_the_english_text(catalogue):
    def placeholders(text: str) -> set[str]:
        return set(PLACEHOLDER.findall(text.replace("%%", "")))

    broken = []
    for entry in messages(catalogue):
        if "python-format" not in entry.flags:
            continue
        # Chinese uses one form for every count, so it follows the English plural.
        expected = placeholders(entry.msgid_plural or entry.msgid)
        broken += [f"{entry}: {s!r}" for s in entry.msgstr if placeholders(s) != expected]
    assert broken == []


def test_the_compiled_catalogue_matches_the_po_file(catalogue):
    assert MO_FILE.exists(), "run: manage.py compilemessages -l zh_Hans --ignore=.venv"
    with MO_FILE.open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    assert compiled.info().get("language") == "zh_Hans"

    stale = []
    for entry in messages(catalogue):
        ctx, msgid, plural = entry.msgctxt, entry.msgid, entry.msgid_plural
        if plural is None:
            got = [compiled.pgettext(ctx, msgid) if ctx is not None else compiled.gettext(msgid)]
            want = [entry.msgstr[0]]
        else:
            counts = (1, 2, 5)
            got = [
                compiled.npgettext(ctx, msgid, plural, n)
                if ctx is not None
                else compiled.ngettext(msgid, plural, n)
                for n in counts
            ]
            want = [entry.msgstr[0]] * len(counts)
        if got != want:
            stale.append(f"{entry}: compiled {got!r}, po {want!r}")
    assert stale == [], "django.mo is stale: run manage.py compilemessages -l zh_Hans"


# --- the catalogue against the source --------------------------------------------------------


def _not_source(directory: str, names: list[str]) -> set[str]:
    ignored = set()
    for name in names:
        path = Path(directory) / name
        if path.is_dir():
            if name in SKIPPED_DIRS or name.startswith("."):
                ignored.add(name)
        elif path.suffix not in SOURCE_SUFFIXES:
            ignored.add(name)
    return ignored


def test_the_catalogue_covers_every_marked_string(catalogue, tmp_path):
    # scripts/bootstrap.sh installs gettext; without it this check would silently not run.
    assert shutil.which("xgettext") and shutil.which("msgmerge"), "install gettext"
    copy = tmp_path / "project"
    shutil.copytree(ROOT, copy, ignore=_not_source)

    result = subprocess.run(
        [sys.executable, "manage.py", *MAKEMESSAGES],
        cwd=copy,
        env={**os.environ, "DEBUG": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr

    committed = {e.key for e in messages(catalogue)}
    regenerated = {e.key for e in messages(read_po(copy / CATALOGUE_DIR / "django.po"))}
    difference = {
        "marked in the source but missing from django.po": sorted(
            k[1] for k in regenerated - committed
        ),
        "in django.po but no longer in the source": sorted(k[1] for k in committed - regenerated),
    }
    assert difference == {k: [] for k in difference}, (
        "run makemessages -l zh_Hans --no-obsolete, translate, then compilemessages"
    )


# --- pages -------------------------------------------------------------------------------------


def test_pages_render_in_chinese_by_default_and_english_on_request(client, db):
    chinese = client.get("/accounts/login/")
    assert chinese.status_code == 200
    assert chinese.headers["Content-Language"] == "zh-hans"
    page = chinese.content.decode()
    assert '<html lang="zh-hans">' in page
    assert "登录" in page
    assert "值班值守管理系统" in page
    assert "Log in" not in page

    english = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200
    assert english.headers["Content-Language"] == "en"
    page = english.content.decode()
    assert "Log in" in page
    assert "DutySchool" in page
    assert "登录" not in page


def test_the_language_switcher_remembers_the_choice(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert "Log in" in client.get("/accounts/login/").content.decode()

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/accounts/login/"})
    assert "登录" in client.get("/accounts/login/").content.decode()
