"""Two people acting on the same case at once: exactly one succeeds, one reply is sent."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from tests.support import act, csrf_token, make_agency, register_case, staff_client


def _together(calls):  # noqa: ANN001, ANN202
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i: int, call) -> None:  # noqa: ANN001
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _to_approval(app, db):  # noqa: ANN001, ANN202
    make_agency(db)
    number = register_case(db).number
    act(staff_client(app, "intake@example.tw"), number, "route", unit="ROADS")
    chief = staff_client(app, "roads.chief@example.tw")
    act(chief, number, "assign", handler="roads.handler@example.tw")
    act(staff_client(app, "roads.handler@example.tw"), number, "draft-reply", body="回覆內容")
    return number


def test_two_supervisors_approving_at_once_send_one_reply(app, db, smtp):
    from core.accounts.services import create_staff

    number = _to_approval(app, db)
    create_staff("roads.deputy.chief@example.tw", "副處長", "ROADS", ["supervisor"], "correct-horse-battery")
    db.session.commit()
    smtp.clear()
    clients = [staff_client(app, "roads.chief@example.tw"), staff_client(app, "roads.deputy.chief@example.tw")]
    pages = [c.get(f"/staff/cases/{number}") for c in clients]  # both look at the same version
    forms = [{"csrf_token": csrf_token(p.text), "version": p.text.split('name="version" value="')[1].split('"')[0]}
             for p in pages]
    answers = _together([lambda c=c, f=f: c.post(f"/staff/cases/{number}/approve-reply", data=f)
                         for c, f in zip(clients, forms, strict=True)])
    assert sorted(a.status_code for a in answers) == [303, 409]
    assert len(smtp.to("citizen@example.tw")) == 1
    from notifications.models import OutboxMessage

    kinds = list(db.session.scalars(sa.select(OutboxMessage.kind).where(OutboxMessage.kind == "cases.reply")))
    assert kinds == ["cases.reply"]


def test_two_api_approvals_without_versions_still_send_one_reply(app, db, smtp):
    """Without a version the state machine decides: the second finds the case closed (409)."""
    from core.accounts.services import find_staff
    from core.accounts.tokens import issue_token

    number = _to_approval(app, db)
    token = issue_token(find_staff("roads.chief@example.tw"))
    db.session.commit()
    smtp.clear()
    headers = {"Authorization": f"Bearer {token}"}
    answers = _together([lambda: app.test_client().post(f"/api/v1/cases/{number}/approve-reply", json={},
                                                        headers=headers) for _ in range(3)])
    assert sorted(a.status_code for a in answers) == [200, 409, 409]
    assert len(smtp.to("citizen@example.tw")) == 1
