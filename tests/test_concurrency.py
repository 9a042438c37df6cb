"""Two clicks, many citizens at once: numbers stay unique, a link registers one case."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from tests.support import client_from, confirm, path_of, post_form, table_count, valid_letter


def _run_together(functions) -> list:  # noqa: ANN001
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)
    errors: list = []

    def run(i: int, fn) -> None:  # noqa: ANN001
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(functions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return results


def test_two_simultaneous_clicks_on_one_link_register_one_case(app, db, smtp):
    from cases.models import Case

    client = app.test_client()
    post_form(client, "/mailbox", valid_letter())
    link = path_of(smtp.only_link_to("citizen@example.tw"))
    answers = _run_together([lambda: confirm(app.test_client(), link) for _ in range(4)])
    assert [a.status_code for a in answers] == [200] * 4
    assert table_count(db, Case) == 1
    number = db.session.scalar(sa.select(Case.number))
    assert all(number in a.text for a in answers)
    assert len(smtp.to("citizen@example.tw")) == 2  # verification and exactly one receipt


def test_case_numbers_stay_unique_when_many_verify_at_once(app, db, smtp):
    from cases.models import Case

    n = 8
    links = []
    for i in range(n):
        client = client_from(app, f"192.0.2.{i + 1}")  # eight citizens
        post_form(client, "/petition", valid_letter(email=f"c{i}@example.tw"))
        links.append(path_of(smtp.only_link_to(f"c{i}@example.tw")))
    answers = _run_together([lambda link=link: confirm(app.test_client(), link) for link in links])
    assert [a.status_code for a in answers] == [200] * n
    numbers = sorted(db.session.scalars(sa.select(Case.number)))
    assert len(numbers) == len(set(numbers)) == n
    assert [int(x[-7:]) for x in numbers] == list(range(1, n + 1))  # no gaps, no repeats
