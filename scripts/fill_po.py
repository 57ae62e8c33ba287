"""Fill empty or fuzzy zh_Hans translations from a JSON table: python scripts/fill_po.py t.json

A small maintenance helper for translators: it only touches entries whose msgid is in the
table, removes their fuzzy flag, and leaves every other entry as it is.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

PO = Path(__file__).resolve().parent.parent / "locale/zh_Hans/LC_MESSAGES/django.po"


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def main(table_path: str) -> int:
    table = json.loads(Path(table_path).read_text())
    entries = PO.read_text().split("\n\n")
    filled = 0
    for index, entry in enumerate(entries):
        # A msgid is one quoted line, or "" followed by continuation lines (long messages).
        # Plural entries (Chinese has one form) are keyed by their singular msgid.
        found = re.search(
            r'^msgid "(.*)"\n((?:".*"\n)*)(?:msgid_plural|msgstr)', entry + "\n", re.M
        )
        if not found:
            continue
        parts = [found.group(1), *re.findall(r'^"(.*)"$', found.group(2), re.M)]
        msgid = "".join(parts).replace('\\"', '"').replace("\\n", "\n")
        if msgid not in table:
            continue
        lines = [
            line.replace("#, fuzzy, ", "#, ") for line in entry.split("\n")
            if line != "#, fuzzy" and not line.startswith("#| ")
        ]  # fmt: skip
        body = "\n".join(lines)
        key = "msgstr[0]" if re.search(r"^msgid_plural", entry, re.M) else "msgstr"
        body = re.sub(
            r'msgstr(\[0\])? ".*"(\n".*")*$', f"{key} " + quote(table[msgid]), body, flags=re.S
        )
        entries[index] = body
        filled += 1
    PO.write_text("\n\n".join(entries))
    print(f"filled {filled} entries")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
