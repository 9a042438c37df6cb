"""The case timeline reads as sentences in the reader's language: unit and limit-class names, grounds, days and
versions in words, never the codes or the English the code once composed (issue 12, deliver 6)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from tests.support import act, csrf_token, make_agency, register_case, staff_client

CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]")
# What the code used to compose into the note, and the codes themselves: never on the page.
CODES = (
    "→ ROADS",
    "→ SEC",
    "rule 27(1)",
    "petition (30)",
    "ordinary (6)",
    "no_identity",
    "+5",
    "v2",
    "(referral)",
    "integrity complaint",
    "reclassification",
    "extension:",
)


def _timeline(page: str) -> str:
    start = page.index('<ol class="timeline">')
    return page[start : page.index("</ol>", start)]


def _history(app, db) -> tuple[str, str, str]:  # noqa: ANN001
    """Three cases taken through the pages: one without name or contact, not handled; one classified, routed,
    linked, assigned, extended, drafted twice and chased; one transferred. Returns their numbers."""
    from core.clock import TAIPEI

    earlier = register_case(db, name="", email="", received_at=datetime.now(TAIPEI) - timedelta(hours=2)).number
    number = register_case(db).number
    moved = register_case(db, email="moved@example.tw").number
    intake = staff_client(app, "intake@example.tw")
    assert act(intake, earlier, "not-handled", ground="no_identity", note="查無聯絡方式").status_code == 303
    assert act(intake, number, "classify", limit_class="ordinary").status_code == 303
    assert act(intake, number, "link", to=earlier, note="同一地點").status_code == 303
    assert act(intake, number, "route", unit="ROADS", note="請儘速處理").status_code == 303
    assert act(intake, moved, "transfer", agency="內政部", reason="非本機關權責").status_code == 303
    chief = staff_client(app, "roads.chief@example.tw")
    handler = staff_client(app, "roads.handler@example.tw")
    assert act(chief, number, "assign", handler="roads.handler@example.tw").status_code == 303
    assert act(handler, number, "request-extension", days="5", reason="需會勘").status_code == 303
    assert act(chief, number, "approve-extension").status_code == 303
    assert act(handler, number, "draft-reply", body="已修復。", outcome="met").status_code == 303
    assert act(chief, number, "return-reply", reason="請補充").status_code == 303
    assert act(handler, number, "draft-reply", body="已修復，謝謝。", outcome="met").status_code == 303
    secretariat = staff_client(app, "secretariat@example.tw")
    page = secretariat.get("/staff/").text
    from cases.services import find_case

    case_id = find_case(number).id
    assert secretariat.post("/staff/chase", data={"csrf_token": csrf_token(page), "case": str(case_id)}).status_code
    return earlier, number, moved


def test_the_timeline_in_chinese_names_units_grounds_days_and_versions(app, db):
    make_agency(db)
    earlier, number, moved = _history(app, db)
    chief = staff_client(app, "roads.chief@example.tw")
    timeline = _timeline(chief.get(f"/staff/cases/{number}").text)
    for sentence in (
        "分類為 普通件",
        "6 個工作天",
        f"與前案 {earlier} 相關聯：同一地點",
        "分文至 養護工程處：請儘速處理",
        "分派給 roads.handler",
        "申請延長 5 個工作天：需會勘",
        "核准延長 5 個工作天",
        "處理期限變更（",
        "答覆退回修改：請補充",
        "擬具第 2 版函稿",
        "秘書室催辦，已通知 roads.chief",
    ):
        assert sentence in timeline, sentence
    for code in (*CODES, "ROADS", "ordinary", "Routed", "Extension", "Classified"):
        assert code not in timeline, code

    intake = staff_client(app, "intake@example.tw")
    first = _timeline(intake.get(f"/staff/cases/{earlier}").text)
    assert "已登記；未具真實姓名或聯絡方式，得不予處理（行政程序法第 173 條第 1 款）" in first
    assert "不予處理：" in first and "查無聯絡方式" in first
    assert not any(code in first for code in CODES) and "173 (1))" not in first
    third = _timeline(intake.get(f"/staff/cases/{moved}").text)
    assert "移送 內政部 處理：非本機關權責" in third and "內政部:" not in third


def test_the_timeline_in_english_has_no_chinese_but_the_data(app, db):
    make_agency(db)
    earlier, number, moved = _history(app, db)
    chief = staff_client(app, "roads.chief@example.tw")
    chief.get("/language/en")
    timeline = _timeline(chief.get(f"/staff/cases/{number}").text)
    for sentence in (
        "Classified as Ordinary",
        "6 working days",
        f"Linked to the earlier case {earlier}: 同一地點",
        "Routed to 養護工程處: 請儘速處理",
        "Assigned to roads.handler",
        "Extension of 5 working days requested: 需會勘",
        "Extension of 5 working days approved",
        "Reply drafted, version 2",
        "Chased by the secretariat: roads.chief mailed",
    ):
        assert sentence in timeline, sentence
    assert not any(code in timeline for code in CODES)
    # What people typed and the units' names are data; nothing else is Chinese.
    for data in ("養護工程處", "同一地點", "請儘速處理", "需會勘", "請補充"):
        timeline = timeline.replace(data, "")
    assert not CJK.search(timeline), CJK.findall(timeline)

    intake = staff_client(app, "intake@example.tw")
    intake.get("/language/en")
    first = _timeline(intake.get(f"/staff/cases/{earlier}").text).replace("查無聯絡方式", "")
    assert "Registered without a real name or contact" in first and "Not handled: " in first
    assert not CJK.search(first) and "no_identity" not in first
    third = _timeline(intake.get(f"/staff/cases/{moved}").text)
    assert "Transferred to 內政部: 非本機關權責" in third
