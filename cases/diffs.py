"""What changed between two versions of a text, as HTML a person reads without JavaScript: removed text in
<del>, added text in <ins>, each announced to screen readers. Compared character by character, which is how
Chinese text (without spaces between words) changes."""

from __future__ import annotations

from difflib import SequenceMatcher

from markupsafe import Markup, escape


def changes(before: str, after: str, *, removed: str, added: str) -> Markup:
    """`after` with what `before` had and it lacks struck through, and what it adds marked. `removed` and `added`
    are the words a screen reader says before each change (visually hidden)."""
    parts: list[str] = []
    matcher = SequenceMatcher(None, before, after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(str(escape(after[b1:b2])))
            continue
        if op in ("delete", "replace"):
            parts.append(f'<del><span class="visually-hidden">{escape(removed)}</span>{escape(before[a1:a2])}</del>')
        if op in ("insert", "replace"):
            parts.append(f'<ins><span class="visually-hidden">{escape(added)}</span>{escape(after[b1:b2])}</ins>')
    return Markup("".join(parts))
