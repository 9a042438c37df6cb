"""The reply-quality check before approval (陳核), issue 14 deliver 5.

A reply is flagged when it says nothing (empty, or a bare "處理中" / "in progress"), when it lacks the
legal-remedy notice where the case needs it (domain rule 24: the notice is the reply's `remedy_notice`, which
the mail and the printed letter add; the setting `remedy_notice_required_for` names the outcomes and the
categories that need it), or when it is in Chinese for an English petition (rule 31: the case's language is the
submission's). The flags are shown to the handler on drafting and to the approver on the approval form; either
may go on with a reason, which the timeline records (action `reply_quality_override`, the flags and the reason
as parts of `detail`, worded by cases/timeline.py).

Pure functions first (`flags_of`), then the guard the services call (`guard`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cases.models import Case, CaseEvent
from cases.workflow import TransitionRefused
from core.extensions import db
from core.settings import get_setting

# The order the flags are listed in, with what each tells the handler and the approver.
FLAG_LABELS = {
    "empty": _l("The reply says nothing: write the handling opinion and its basis."),
    "in_progress_only": _l("The reply only says the matter is being handled (處理中): give a concrete answer, "
                           "or ask for an extension instead."),
    "remedy_notice_missing": _l("This case needs the legal-remedy notice (administrative appeal, state "
                                "compensation): tick it, or say why it does not apply."),
    "chinese_for_english": _l("The petitioner wrote in English: the reply should be in English."),
}

# Short names of the flags, for the timeline's sentence.
FLAG_NAMES = {
    "empty": _l("empty"),
    "in_progress_only": _l("only “being handled”"),
    "remedy_notice_missing": _l("no legal-remedy notice"),
    "chinese_for_english": _l("Chinese for an English petition"),
}

# Bare "being handled" answers (compared without spaces, punctuation and case).
IN_PROGRESS_ONLY = frozenset({"處理中", "辦理中", "處理中請稍候", "辦理中請稍候", "本案處理中", "本案辦理中",
                              "inprogress", "beinghandled", "processing", "underprocessing", "pending"})

OVERRIDE_ACTION = "reply_quality_override"
REASON_MAX = 2000


def _bare(text: str) -> str:
    """The text without spaces, punctuation and symbols, lower-cased."""
    return "".join(ch for ch in text.lower() if unicodedata.category(ch)[0] in "LN")


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def mostly_chinese(text: str) -> bool:
    """More Chinese characters than Latin letters (a word of English is some five letters: weighed so)."""
    cjk = sum(1 for ch in text if _is_cjk(ch))
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    return cjk > 0 and cjk * 2 > latin


def needs_remedy_notice(outcome: str, categories: Iterable[str | None]) -> bool:
    """The setting names outcomes and categories (codes separated by commas) whose replies need the notice."""
    codes = {c.strip() for c in re.split(r"[,，、;\s]+", str(get_setting("remedy_notice_required_for") or ""))
             if c.strip()}
    return outcome in codes or any(c and c.strip() in codes for c in categories)


def flags_of(*, body: str, language: str, remedy_notice: bool, outcome: str, case: Case) -> list[str]:
    """The quality flags of a reply to `case` (codes of FLAG_LABELS, in its order)."""
    flags = []
    bare = _bare(body or "")
    if not bare:
        flags.append("empty")
    elif bare in IN_PROGRESS_ONLY:
        flags.append("in_progress_only")
    if not remedy_notice and needs_remedy_notice(outcome, (case.category, case.topic)):
        flags.append("remedy_notice_missing")
    if case.language == "en" and (language != "en" or mostly_chinese(body or "")):
        flags.append("chinese_for_english")
    return flags


def messages(flags: Iterable[str]) -> list[str]:
    return [str(FLAG_LABELS[f]) for f in flags]


class QualityFlagged(TransitionRefused):
    """The reply was flagged and no reason to go on was given: 422, with the flags."""

    def __init__(self, flags: list[str]) -> None:
        self.flags = flags
        super().__init__(_("Please check the reply before it goes on: %(problems)s To go on anyway, give the "
                           "reason.", problems=" ".join(messages(flags))), 422)


def guard(case: Case, by_id: int, flags: list[str], override_reason: str | None, stage: str) -> None:
    """Refuse flagged replies unless a reason is given; with a reason, record the override on the timeline."""
    if not flags:
        return
    reason = (override_reason or "").replace("\x00", "").strip()[:REASON_MAX]
    if not reason:
        raise QualityFlagged(flags)
    db.session.add(CaseEvent(case=case, actor_id=by_id, action=OVERRIDE_ACTION, from_state=case.state,
                             to_state=case.state, note="",
                             detail={"flags": list(flags), "reason": reason, "stage": stage}))


def flags_of_reply(reply, case: Case) -> list[str]:  # noqa: ANN001
    return flags_of(body=reply.body, language=reply.language, remedy_notice=bool(reply.remedy_notice),
                    outcome=reply.outcome, case=case)
