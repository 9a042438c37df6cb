"""Demo cases for `make run` (`flask demo cases`): a few dozen cases in every state, made through the services
(register, classify, route, assign, draft, approve, extend, transfer, not handled, refer to the ethics office)
so that their timelines, due dates and mails are what real work leaves, and so that every role's home has
something on it. Cases are received N working days before today, so the same pattern shows due-soon and overdue
cases whatever day it runs. Idempotent: each demo case carries a digest of its key, and a key already there is
skipped (running twice adds nothing). Needs `flask demo seed` first (the demo units and staff)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, time

from sqlalchemy import select

from cases import deadlines, services
from cases.case_file import Source, Submission
from core.accounts.services import find_staff
from core.clock import TAIPEI, taipei_now, today
from core.extensions import db
from core.settings import get_setting, set_setting

INTAKE = "intake@demo.tw"
CHIEFS = {"ROADS": "supervisor.roads@demo.tw", "PARKS": "supervisor.parks@demo.tw", "ETHICS": "ethics@demo.tw"}
HANDLERS = {"ROADS": "handler.roads@demo.tw", "PARKS": "handler.parks@demo.tw", "ETHICS": "ethics.handler@demo.tw"}
DEMO_ADDRESS = "110204 臺北市信義區市府路1號"
DEMO_PHONE = "(02)2720-8889"


@dataclass(frozen=True)
class DemoCase:
    key: str
    days_ago: int                 # received this many working days before today
    end: str                      # the state it is taken to: registered, returned, routed, in_progress, ...
    subject: str
    unit: str = "ROADS"
    channel: str = "petition"
    limit: str | None = None      # a time-limit class to classify it with (petition's 30 days by default)
    email: str | None = None
    language: str = "zh_Hant_TW"
    category: str | None = None
    confidential: bool = False
    handler: str | None = None    # another handler than the unit's (the deputy)
    extra: dict = field(default_factory=dict)


def _spec() -> list[DemoCase]:
    cases = [
        # 待分文: new cases for intake, one past its routing milestone
        DemoCase("new-1", 0, "registered", "信義路五段人行道地磚鬆動", email="lin.demo@example.tw"),
        DemoCase("new-2", 0, "registered", "Street light out on Songren Road", channel="mailbox",
                 email="smith.demo@example.com", language="en"),
        DemoCase("new-3", 1, "registered", "市民廣場週末噪音", channel="mailbox", email="chen.demo@example.tw"),
        DemoCase("new-4", 1, "registered", "公車站牌資訊錯誤", email=None),
        DemoCase("new-5", 3, "registered", "松德路排水溝堵塞", email="wu.demo@example.tw"),
        DemoCase("returned-1", 2, "returned", "里民活動中心冷氣故障", unit="ROADS", email="hsu.demo@example.tw"),
        # 待分派: routed, not yet assigned
        DemoCase("routed-1", 1, "routed", "永吉路坑洞", email="kuo.demo@example.tw"),
        DemoCase("routed-2", 2, "routed", "忠孝東路人孔蓋異音", channel="mailbox", email="tsai.demo@example.tw"),
        DemoCase("routed-3", 1, "routed", "象山步道路燈不亮", unit="PARKS", email="yang.demo@example.tw"),
        DemoCase("routed-4", 4, "routed", "公園遊具損壞", unit="PARKS", channel="mailbox",
                 email="huang.demo@example.tw"),
        # in progress: due later, due soon, due today, overdue
        DemoCase("work-1", 2, "in_progress", "基隆路機車停車格規劃", email="lee.demo@example.tw"),
        DemoCase("work-2", 10, "in_progress", "松山路路面標線模糊", email="chang.demo@example.tw"),
        DemoCase("work-3", 5, "in_progress", "市府轉運站無障礙坡道", channel="mailbox",
                 email="wang.demo@example.tw"),
        DemoCase("work-4", 6, "in_progress", "Broken pavement near the MRT exit", channel="mailbox",
                 email="jones.demo@example.com", language="en"),
        DemoCase("work-5", 9, "in_progress", "路樹傾倒未清除", channel="mailbox", email="lu.demo@example.tw"),
        DemoCase("work-6", 12, "in_progress", "福德街路燈閃爍", limit="ordinary", email="hung.demo@example.tw"),
        DemoCase("work-7", 3, "in_progress", "虎林街人行道違停", handler="deputy.roads@demo.tw",
                 email="chiu.demo@example.tw"),
        DemoCase("work-8", 8, "in_progress", "松仁路施工圍籬占用人行道", limit="ordinary",
                 handler="deputy.roads@demo.tw", email="su.demo@example.tw"),
        DemoCase("work-9", 4, "in_progress", "四獸山步道指標不清", unit="PARKS", channel="mailbox",
                 email="lai.demo@example.tw"),
        DemoCase("work-10", 15, "in_progress", "公園廁所清潔不佳", unit="PARKS", limit="ordinary",
                 email="cheng.demo@example.tw"),
        DemoCase("work-11", 3, "in_progress", "中坡公園路燈不足", unit="PARKS", email="tseng.demo@example.tw"),
        DemoCase("reply-returned-1", 6, "reply_returned", "吳興街路面不平", email="liao.demo@example.tw"),
        DemoCase("ext-asked-1", 12, "extension_requested", "虎林街排水改善工程", email="fang.demo@example.tw"),
        DemoCase("ext-granted-1", 20, "extension_approved", "信義區人行道全面更新", email="pan.demo@example.tw"),
        # 補陳: the petitioner was asked for more information, the clock stopped
        DemoCase("asked-1", 5, "awaiting_information", "路燈不亮（位置不明）", email="ask.demo@example.tw"),
        # 待陳核: replies awaiting the supervisor
        DemoCase("approval-1", 4, "awaiting_approval", "松高路號誌時相", email="tang.demo@example.tw"),
        DemoCase("approval-2", 7, "awaiting_approval", "崇德街路燈損壞", channel="mailbox",
                 email="hsieh.demo@example.tw"),
        DemoCase("approval-3", 2, "awaiting_approval", "Cycle lane blocked by scooters", language="en",
                 email="brown.demo@example.com"),
        DemoCase("approval-4", 5, "awaiting_approval", "公園草皮久未修剪", unit="PARKS", channel="mailbox",
                 email="yeh.demo@example.tw"),
        # closed with a reply (survey answers follow from `flask demo surveys`)
        DemoCase("closed-1", 14, "closed", "松山高中前人行道拓寬", email="closed1.demo@example.tw"),
        DemoCase("closed-2", 12, "closed", "永春陂步道照明", unit="PARKS", email="closed2.demo@example.tw"),
        DemoCase("closed-3", 10, "closed", "市民熱線回覆太慢", channel="mailbox", email="closed3.demo@example.tw"),
        DemoCase("closed-4", 9, "closed", "Pothole on Xinyi Road", language="en", email="closed4.demo@example.com"),
        DemoCase("closed-5", 8, "closed", "公園狗便未清理", unit="PARKS", channel="mailbox",
                 email="closed5.demo@example.tw"),
        DemoCase("closed-6", 7, "closed", "松信路人孔蓋下陷", email=None),
        # transferred (移文) and not handled (不予處理)
        DemoCase("transfer-1", 3, "transferred", "捷運站電扶梯故障", email="mrt.demo@example.tw",
                 extra={"agency": "臺北大眾捷運股份有限公司"}),
        DemoCase("transfer-2", 5, "transferred", "國道匝道塞車", channel="mailbox", email="road.demo@example.tw",
                 extra={"agency": "交通部高速公路局"}),
        DemoCase("not-handled-1", 2, "not_handled", "（匿名）檢舉鄰居", email=None,
                 extra={"ground": "no_identity", "anonymous": True}),
        DemoCase("not-handled-2", 4, "not_handled", "同一路燈案重複陳情", email="repeat.demo@example.tw",
                 extra={"ground": "repeat"}),
        # the ethics office: an integrity complaint in its unit (assigned, one awaiting approval) and a referral
        DemoCase("ethics-1", 3, "in_progress", "檢舉工程驗收疑似收受招待", unit="ETHICS", channel="complaint",
                 category="integrity", confidential=True, email="whistle1.demo@example.tw"),
        DemoCase("ethics-2", 6, "awaiting_approval", "檢舉採購人員洩漏底價", unit="ETHICS", channel="complaint",
                 category="integrity", confidential=True, email="whistle2.demo@example.tw"),
        DemoCase("ethics-referral-1", 4, "referred", "承商反映驗收人員索取回扣", email="vendor.demo@example.tw"),
    ]
    return cases


def _digest(key: str) -> str:
    return hashlib.sha256(f"demo-case:{key}".encode()).hexdigest()


def _received_at(days_ago: int) -> datetime:
    calendar = deadlines.load_calendar()
    day, left = today(), days_ago
    while left > 0 or not calendar.is_working_day(day):
        from datetime import timedelta

        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            left -= 1
    moment = datetime.combine(day, time(10, 0), TAIPEI)
    return min(moment, taipei_now())


def _register(spec: DemoCase):  # noqa: ANN202
    anonymous = spec.extra.get("anonymous", False)
    english = spec.language == "en"
    submission = Submission(
        channel=spec.channel, category=spec.category, confidential=spec.confidential,
        name="" if anonymous else ("Alex Smith" if english else "陳美玲"), email=spec.email or "",
        phone="" if anonymous else "0912-345-678", address="" if anonymous else "臺北市信義區松仁路100號",
        language=spec.language, subject=spec.subject,
        body=(f"{spec.subject}. Please look into it." if english else f"{spec.subject}，請儘速派員查看處理，謝謝。"),
        source=Source.STAFF.value, received_via="online" if spec.email else "counter",
    )
    submission.idempotency_digest = _digest(spec.key)
    submission.entered_by_id = find_staff(INTAKE).id
    received = _received_at(spec.days_ago)
    submission.verified_at = received
    db.session.add(submission)
    db.session.flush()
    case, _code = services.register_case(submission, received_at=received, by=find_staff(INTAKE))
    return case


def _reply(spec: DemoCase) -> str:
    if spec.language == "en":
        return "Thank you for your letter. We inspected the site and have scheduled the repair within two weeks."
    return "感謝您的來信。本處已派員現場勘查，將於兩週內完成修復，造成不便，敬請見諒。"


def make_case(spec: DemoCase) -> None:
    intake, unit = find_staff(INTAKE), spec.unit
    case = _register(spec)
    if spec.limit:
        services.classify(case, intake, limit_class=spec.limit)
    if spec.end == "registered":
        return
    if spec.end == "transferred":
        services.transfer(case, intake, agency=spec.extra["agency"], reason="非本機關權責，依行政程序法第172條移送。")
        return
    if spec.end == "not_handled":
        services.mark_not_handled(case, intake, ground=spec.extra["ground"], note="依處理人民陳情案件要點辦理。")
        return
    if case.state == "registered":  # an integrity complaint is already routed to the ethics office
        services.route(case, intake, unit_code=unit)
    chief = find_staff(CHIEFS[unit])
    if spec.end == "returned":
        services.return_to_intake(case, chief, reason="本案屬公園處權責，請改分。")
        return
    if spec.end == "routed":
        return
    handler_email = spec.handler or HANDLERS[unit]
    services.assign(case, chief, handler_email=handler_email)
    handler = find_staff(handler_email)
    if spec.end == "referred":
        # Committed first: the referral's savepoint fires the outbox's after-commit dispatch, which on SQLite
        # would wait on this very transaction for the mails enqueued before it.
        db.session.commit()
        services.refer_to_ethics(case, handler, reason="陳情內容涉及驗收人員操守，移請政風室處理。")
        return
    if spec.end == "extension_requested" or spec.end == "extension_approved":
        services.request_extension(case, handler, days=10, reason="需會同管線單位現場會勘。")
        if spec.end == "extension_approved":
            services.approve_extension(case, chief)
        return
    if spec.end == "in_progress":
        return
    if spec.end == "awaiting_information":
        from cases.information import request_information

        request_information(case, handler, question="請提供路燈電桿上的編號，或附上現場照片，以便派員修復。")
        return
    services.draft_reply(case, handler, body=_reply(spec), outcome="met")
    if spec.end == "reply_returned":
        services.return_reply(case, chief, reason="請補充預定完工日期。")
        return
    if spec.end == "closed":
        services.approve_reply(case, chief)


def seed_cases() -> tuple[int, int]:
    """Create the demo cases not yet there, each in a transaction of its own (committed here: a command's work);
    returns (created, already there)."""
    if not get_setting("agency_address"):
        set_setting("agency_address", DEMO_ADDRESS)
    if not get_setting("agency_phone"):
        set_setting("agency_phone", DEMO_PHONE)
    specs = _spec()
    present = set(db.session.scalars(select(Submission.idempotency_digest).where(
        Submission.idempotency_digest.in_([_digest(s.key) for s in specs]))))
    created = 0
    for spec in specs:
        if _digest(spec.key) in present:
            continue
        make_case(spec)
        db.session.commit()
        created += 1
    return created, len(specs) - created


def demo_digests() -> list[str]:
    """The digests that mark the demo cases (surveys' demo answers find the cases by them)."""
    return [_digest(s.key) for s in _spec()]
