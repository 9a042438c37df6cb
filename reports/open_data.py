"""Open data (issue 14, deliver 2): the monthly figures as CSV (UTF-8 with BOM), JSON and a Frictionless Data Package
(v1) describing them, regenerated daily by `reports.publish_open_data` and kept in `open_data_files`.

The rows are those of the public statistics (reports/public_statistics.py), under the same suppression rule:
"total" rows (one per month, the whole agency, confidential cases included, with satisfaction) and "detail" rows
(month × unit × channel × complaint category, confidential cases left out). Field names are stable English
identifiers (the same whatever the reader's language); each field has a Traditional Chinese `title` and
`description` and their English in `title:en` / `description:en` (custom properties, which Table Schema allows).
The package's metadata also carries the national open-data platform's (data.gov.tw) dataset metadata under
`data.gov.tw`, in the keys of the platform's metadata API.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date, datetime

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from core.db import utcnow
from core.extensions import db
from reports.models import OpenDataFile
from reports.public_statistics import SMALL_MARK, WITHHELD_MARK, monthly_satisfaction, tables

LICENCE = {"name": "OGDL-Taiwan-1.0", "title": "政府資料開放授權條款－第1版",
           "path": "https://data.gov.tw/license"}
MEDIA_TYPES = {"statistics.csv": "text/csv; charset=utf-8", "statistics.json": "application/json",
               "datapackage.json": "application/json"}

# name, Table Schema type, zh title, English title, zh description, English description
FIELDS = [
    ("month", "yearmonth", "統計月份", "Month",
     "西元年月（YYYY-MM）：收件數與逾期未結按收件月份，結案數按結案月份，重新開啟按重新開啟月份計。",
     "Year and month (YYYY-MM): received and open overdue by month of receipt, closed by month of closing, "
     "reopened by month of the reopening."),
    ("level", "string", "資料層級", "Level",
     "total：全機關當月合計（含密件案件）；detail：依單位、管道及類別細分（不含密件案件）。",
     "total: the whole agency in the month (confidential cases included); detail: per unit, channel and "
     "category (confidential cases left out)."),
    ("unit_code", "string", "單位代碼", "Unit code",
     "承辦單位代碼；空白表示尚未分文（收文中）或合計列。",
     "Code of the handling unit; empty while at intake, or on total rows."),
    ("unit_name", "string", "單位名稱", "Unit name", "承辦單位名稱。", "Name of the handling unit."),
    ("channel", "string", "陳情管道代碼", "Channel code",
     "petition（人民陳情）、mailbox（首長信箱）、complaint（申訴檢舉）。",
     "petition, mailbox (director's mailbox) or complaint."),
    ("channel_name", "string", "陳情管道", "Channel", "陳情管道名稱（中文）。", "Channel name (in Chinese)."),
    ("category", "string", "申訴類別代碼", "Complaint category code",
     "僅申訴檢舉有類別：integrity（廉政）、service（服務態度或效率）、other（其他）。",
     "Complaints only: integrity, service or other."),
    ("category_name", "string", "申訴類別", "Complaint category", "申訴類別名稱（中文）。",
     "Complaint category name (in Chinese)."),
    ("received", "integer", "收件數", "Cases received", "當月收件數；1或2件以「<3」表示，「x」為保護小數值而隱藏。",
     "Cases received in the month; 1 or 2 published as \"<3\", \"x\" withheld to protect a small count."),
    ("closed", "integer", "結案數", "Cases closed", "當月由承辦單位辦結之案件數（不含移文）；1或2件以「<3」表示，"
     "「x」為保護小數值而隱藏。",
     "Cases the unit closed in the month (transfers excluded); 1 or 2 published as \"<3\", \"x\" withheld to "
     "protect a small count."),
    ("closed_on_time", "integer", "依限辦結", "Closed on time", "於處理期限（含展期）內辦結之件數。",
     "Closed within the time limit (extensions included)."),
    ("closed_late", "integer", "逾限辦結", "Closed late", "逾處理期限始辦結之件數。",
     "Closed after the time limit."),
    ("on_time_rate", "number", "依限辦結率", "On-time rate",
     "依限辦結÷結案數（0至1）；所依據之件數未滿3件時不公布。",
     "Closed on time ÷ closed (0 to 1); not published when a count it rests on is under 3."),
    ("average_days_used", "number", "平均處理工作日數", "Average working days used",
     "結案案件平均使用之工作日數；結案未滿3件時不公布。",
     "Average working days the closed cases took; not published for fewer than 3 closed cases."),
    ("open_overdue", "integer", "逾期未結", "Open and overdue", "該月收件、至資料產製日仍未結且已逾期之件數。",
     "Cases received in the month still open and past their due date on the day the data was made."),
    ("reopened", "integer", "重新開啟件數", "Reopened",
     "陳情人表示問題未解決而重新開啟之件數。", "Cases the petitioner reopened as not resolved."),
    ("reopen_rate", "number", "重新開啟率", "Reopen rate", "重新開啟件數÷結案數；件數未滿3件時不公布。",
     "Reopened ÷ closed; not published when a count it rests on is under 3."),
    ("satisfaction_responses", "integer", "滿意度回覆數", "Survey responses",
     "當月滿意度問卷回覆數（僅合計列）；僅計入當月回覆數達最低門檻之單位，政風室案件之回覆不計。",
     "Satisfaction survey responses in the month (total rows only), counting only the units with at least the "
     "minimum number of responses that month; answers about the ethics office's cases are not counted."),
    ("satisfied_share", "number", "滿意比例", "Share satisfied",
     "回答滿意或非常滿意之比例；回覆數未達最低門檻時不公布。",
     "Share answering satisfied or very satisfied; not published under the minimum number of responses."),
    ("satisfied_ci_lower", "number", "滿意比例95%信賴區間下限", "Share satisfied, 95% CI lower bound",
     "Wilson 95%信賴區間下限。", "Lower bound of the Wilson 95% confidence interval."),
    ("satisfied_ci_upper", "number", "滿意比例95%信賴區間上限", "Share satisfied, 95% CI upper bound",
     "Wilson 95%信賴區間上限。", "Upper bound of the Wilson 95% confidence interval."),
]
COUNT_FIELDS = {"received", "closed", "closed_on_time", "closed_late", "open_overdue", "reopened",
                "satisfaction_responses"}


def coverage(today: date) -> tuple[date, date]:
    """From the first month with a case to today (monthly granularity: the current month so far)."""
    from cases.models import Case

    first = db.session.scalar(select(func.min(Case.received_on))) or today
    return first.replace(day=1), today


def rows(today: date) -> tuple[list[dict], date, date]:
    from cases.labels import CATEGORY_LABELS, CHANNEL_LABELS

    start, end = coverage(today)
    satisfaction = monthly_satisfaction(start, end)
    out = []
    with force_locale("zh_Hant_TW"):
        protected = tables(start, end, today)
        for f in protected.totals:
            f.satisfaction = satisfaction.get(f.month) or {"responses": 0, "share": None, "ci": None}
            out.append(_row(f, "total", CHANNEL_LABELS, CATEGORY_LABELS))
        for f in protected.details:
            out.append(_row(f, "detail", CHANNEL_LABELS, CATEGORY_LABELS))
    out.sort(key=lambda r: (r["month"], r["level"] != "total", r["unit_code"], r["channel"], r["category"]))
    return out, start, end


def _row(f, level: str, channels: dict, categories: dict) -> dict:  # noqa: ANN001
    published = f.published()
    if level == "detail":
        for name in ("satisfaction_responses", "satisfied_share", "satisfied_ci_lower", "satisfied_ci_upper"):
            published[name] = None
    return {"month": f.month, "level": level, "unit_code": f.unit, "unit_name": f.unit_name or (
                gettext("(intake)") if level == "detail" else ""),
            "channel": f.channel, "channel_name": str(channels.get(f.channel, f.channel)) if f.channel else "",
            "category": f.category, "category_name": str(categories.get(f.category, f.category)) if f.category
            else "", **published}


def as_csv(records: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    names = [name for name, *_rest in FIELDS]
    writer.writerow(names)
    for record in records:
        writer.writerow(["" if record[n] is None else record[n] for n in names])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def as_json(records: list[dict]) -> bytes:
    """An array of records: tabular JSON that reads with the same Table Schema as the CSV."""
    names = [name for name, *_rest in FIELDS]
    return json.dumps([{n: r[n] for n in names} for r in records], ensure_ascii=False, indent=1).encode("utf-8")


def schema() -> dict:
    fields = []
    for name, kind, zh_title, en_title, zh_desc, en_desc in FIELDS:
        field = {"name": name, "type": kind, "title": zh_title, "description": zh_desc,
                 "title:en": en_title, "description:en": en_desc}
        if name in COUNT_FIELDS:
            field["constraints"] = {"minimum": 0}
        if kind == "number":
            field["constraints"] = {"minimum": 0}
        if name == "level":
            field["constraints"] = {"required": True, "enum": ["total", "detail"]}
        if name == "month":
            field["constraints"] = {"required": True}
        fields.append(field)
    # "<3" and "x" are the withheld-cell marks: a validator reads them as missing values, not as bad integers.
    return {"fields": fields, "missingValues": ["", SMALL_MARK, WITHHELD_MARK]}


def datapackage(start: date, end: date, generated: datetime, base_url: str) -> dict:
    agency = current_app.config["AGENCY_NAME"]
    names = "、".join(title for _n, _k, title, *_rest in FIELDS)
    title = f"{agency}人民陳情案件統計"
    description = (f"{agency}受理人民陳情、首長信箱及申訴檢舉案件之每月統計：收件數、結案數、依限與逾限辦結、"
                   "平均處理工作日數、逾期未結、重新開啟率及滿意度（含95%信賴區間）。不含任何個人資料；密件案件僅計入"
                   "全機關合計；1或2件之細格以「<3」表示，其衍生比率不公布；可由其他數值加減推算出「<3」細格者，"
                   "另隱藏其他細格並以「x」表示。")
    description_en = (f"Monthly figures of the petitions, director's mailbox letters and complaints {agency} "
                      "received: received, closed, closed on time and late, average working days used, open "
                      "overdue, reopen rate and satisfaction (with its 95% confidence interval). No personal data; "
                      "confidential cases are counted only in the agency's totals; cells of 1 or 2 are published as "
                      "\"<3\" and rates derived from them are withheld; where the other figures would let a reader "
                      "work out a \"<3\" cell by addition or subtraction, further cells are withheld and marked \"x\".")
    resource = {"profile": "tabular-data-resource", "schema": schema(), "encoding": "utf-8",
                "licenses": [LICENCE]}
    return {
        "profile": "tabular-data-package",
        "name": "petition-statistics",
        "title": title,
        "title:en": f"{agency}: petition statistics",
        "description": description,
        "description:en": description_en,
        "homepage": f"{base_url}/open-data",
        "version": generated.strftime("%Y.%m.%d"),
        "created": generated.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "keywords": ["人民陳情", "首長信箱", "申訴", "依限辦結", "滿意度", "petitions", "open data"],
        "licenses": [LICENCE],
        "contributors": [{"title": agency, "role": "publisher"}],
        "temporalCoverage": {"start": start.strftime("%Y-%m"), "end": end.strftime("%Y-%m")},
        "updateFrequency": "daily",
        # The national platform's dataset metadata, in the keys of its metadata API (v2) and dataset list, so an
        # agency can copy it when it registers the dataset (政府資料開放平臺「資料集詮釋資料 JSON 範例」):
        # categoryService and publisherOID are the agency's own codes, so they are not guessed here.
        "data.gov.tw": {
            "title": title,
            "description": description,
            "type": "rawData",
            "license": "1",  # 政府資料開放授權條款－第1版, as the platform's own list under that licence is marked
            "licenseName": LICENCE["title"],
            "licenseURL": LICENCE["path"],
            "cost": "free",
            "publisher": agency,
            "updateFrequency": {"regularupdate": "1", "Frequency": "1", "unittime": "日"},
            "coverageStartedDate": start.isoformat(),
            "coverageEndedDate": end.isoformat(),
            "modifiedDate": generated.strftime("%Y-%m-%d %H:%M:%S"),
            "language": "zh",
            "relatedUrl": f"{base_url}/statistics",
            "notes": f"授權說明網址：{LICENCE['path']}；1或2件以「<3」表示，為保護小數值而隱藏者以「x」表示。",
            "fieldDescription": names,
            "distribution": [
                {"resourceDescription": f"{title}（{fmt}），每日更新", "format": fmt, "encoding": "UTF-8",
                 "downloadURL": f"{base_url}/open-data/statistics.{fmt.lower()}",
                 "resourceField": [{"name": name, "description": zh_desc}
                                   for name, _k, _t, _e, zh_desc, _d in FIELDS]}
                for fmt in ("CSV", "JSON")],
        },
        "resources": [
            {**resource, "name": "statistics-csv", "path": "statistics.csv", "format": "csv",
             "mediatype": "text/csv", "title": f"{title}（CSV）",
             "dialect": {"delimiter": ",", "header": True}},
            {**resource, "name": "statistics-json", "path": "statistics.json", "format": "json",
             "mediatype": "application/json", "title": f"{title}（JSON）"},
        ],
    }


def build(today: date, generated: datetime, base_url: str) -> dict[str, bytes]:
    records, start, end = rows(today)
    package = datapackage(start, end, generated, base_url)
    return {"statistics.csv": as_csv(records), "statistics.json": as_json(records),
            "datapackage.json": json.dumps(package, ensure_ascii=False, indent=1).encode("utf-8")}


def publish(today: date, base_url: str | None = None) -> datetime:
    """Regenerate and store the files (the caller commits)."""
    generated = utcnow().replace(microsecond=0)
    files = build(today, generated, base_url or current_app.config["BASE_URL"].rstrip("/"))
    stored = {f.name: f for f in db.session.scalars(select(OpenDataFile).where(OpenDataFile.name.in_(files)))}
    for name, content in files.items():
        item = stored.get(name) or OpenDataFile(name=name)
        item.media_type, item.content, item.generated_at = MEDIA_TYPES[name], content, generated
        item.etag = hashlib.sha256(content).hexdigest()[:32]
        if name not in stored:
            db.session.add(item)
    db.session.flush()
    return generated


def stored(name: str) -> OpenDataFile | None:
    return db.session.get(OpenDataFile, name)


def generated_at() -> datetime | None:
    return db.session.scalar(select(func.max(OpenDataFile.generated_at)))
