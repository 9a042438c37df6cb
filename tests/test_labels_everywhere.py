"""Labels in the user's language on the demo's data (issue 12, deliver 6, in part): reply statuses, complaint
categories and the outbox's status tabs are shown by name, never by code, in zh-TW and in English."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.test_documents_and_demo import _run

CODES = re.compile(r">\s*(draft|returned|sent|integrity|service|pending|sending|failed)\b")


@pytest.mark.parametrize("language", ["zh_Hant_TW", "en"])
def test_reply_statuses_categories_and_outbox_tabs_by_name(app, db, smtp, language):
    from cases.models import Case, Reply
    from core.accounts.cli import DEMO_PASSWORD
    from tests.conftest import empty_tables
    from tests.support import client_from, login

    empty_tables(app)
    _run(app, "demo", "seed")
    _run(app, "demo", "cases")
    statuses = {}
    query = sa.select(Case.number, Reply.status).join(Reply, Reply.case_id == Case.id)
    for number, status in db.session.execute(query):
        statuses.setdefault(status, number)
    assert {"draft", "sent"} <= set(statuses)
    integrity = db.session.scalar(sa.select(Case.number).where(Case.category == "integrity").limit(1))
    client = client_from(app, "10.97.0.1")
    client.set_cookie("lang", language)
    assert login(client, "admin@demo.tw", DEMO_PASSWORD).status_code == 302
    zh = language != "en"
    pages = {number: client.get(f"/staff/cases/{number}").text for number in [*statuses.values(), integrity]}
    assert ("待核稿" if zh else "Draft awaiting approval") in pages[statuses["draft"]]
    assert ("已發文" if zh else "Sent to the petitioner") in pages[statuses["sent"]]
    assert ("廉政或違法失職" if zh else "Integrity or misconduct") in pages[integrity]
    outbox = client.get("/staff/outbox").text
    ethics = client_from(app, "10.97.0.2")
    ethics.set_cookie("lang", language)
    assert login(ethics, "ethics.handler@demo.tw", DEMO_PASSWORD).status_code == 302
    log = ethics.get("/staff/access-log").text
    assert ("檢視案件頁面" if zh else "Case page viewed") in log
    assert ("待寄送 (" if zh else "Waiting to send (") in outbox and ("已寄出 (" if zh else "Sent (") in outbox
    assert not re.search(r"<td>(page|letter|attachment|api|reveal|outbox)\b", log)
    for path, text in [*pages.items(), ("outbox", outbox)]:
        main = text.split("<main", 1)[1]
        assert not CODES.search(main), (path, CODES.search(main))
