"""Extract the messages, fill the zh-TW translations from core/translations/pending/*.json, compile.

    .venv/bin/python core/translations/fill.py

Each pending file maps an English msgid to its Traditional Chinese text ({"Save": "儲存"}); a plural entry maps
the singular msgid to a list [singular, plural]. Parts of the work add their strings there and run this, so
that nobody edits the catalogue by hand at the same time as someone else. Existing translations are kept.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PO = HERE / "zh_Hant_TW" / "LC_MESSAGES" / "messages.po"


def main() -> int:
    subprocess.run(["make", "-s", "extract-messages"], cwd=ROOT, check=True)
    pending: dict[str, object] = {}
    for path in sorted((HERE / "pending").glob("*.json")):
        pending.update(json.loads(path.read_text(encoding="utf-8")))
    with PO.open("rb") as f:
        catalog = read_po(f)
    filled, missing = 0, []
    for message in catalog:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        done = all(message.string) if isinstance(message.string, tuple) else bool(message.string)
        if key in pending and not done:
            value = pending[key]
            message.string = tuple(value) if isinstance(message.id, tuple) else value
            message.flags.discard("fuzzy")
            filled += 1
        elif not done:
            missing.append(key)
    with PO.open("wb") as f:
        write_po(f, catalog, width=120, omit_header=False)
    subprocess.run(["make", "-s", "translations"], cwd=ROOT, check=True)
    print(f"filled {filled}; still untranslated: {len(missing)}")
    for key in missing:
        print(f"  {key!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
