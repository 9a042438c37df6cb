"""flask surveys publish FILE: a new questionnaire version (questions frozen per version)."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from core.extensions import db
from surveys.models import SLOTS, Questionnaire
from surveys.services import current_questionnaire

surveys_cli = AppGroup("surveys", help="Satisfaction questionnaires.")


def check_questions(questions: object, previous: list[dict] | None) -> list[dict]:
    if not isinstance(questions, list) or not 1 <= len(questions) <= SLOTS:
        raise ValueError(f"give a list of 1 to {SLOTS} questions")
    for q in questions:
        if not isinstance(q, dict) or not all(isinstance(q.get(k), str) and q.get(k) for k in ("key", "zh", "en")):
            raise ValueError('each question needs "key", "zh" and "en"')
    keys = [q["key"] for q in questions]
    if len(set(keys)) != len(keys) or "overall" not in keys:
        raise ValueError('keys must be unique, and one must be "overall"')
    for i, old in enumerate(previous or []):
        # A key keeps its position (its score column) so that old answers stay comparable.
        if old["key"] in keys and keys.index(old["key"]) != i:
            raise ValueError(f'"{old["key"]}" must stay question {i + 1}')
    return [{"key": q["key"], "zh": q["zh"], "en": q["en"]} for q in questions]


@surveys_cli.command("publish")
@click.argument("path", type=click.File("r", encoding="utf-8"))
def publish_command(path) -> None:  # noqa: ANN001
    """Publish the questions in PATH (a JSON list of {"key", "zh", "en"}) as the next version."""
    try:
        questions = check_questions(json.load(path), current_questionnaire().questions)
    except (ValueError, json.JSONDecodeError) as exc:
        raise click.ClickException(str(exc)) from exc
    version = (db.session.scalar(select(func.max(Questionnaire.version))) or 0) + 1
    db.session.add(Questionnaire(version=version, questions=questions))
    db.session.commit()
    click.echo(f"published questionnaire version {version}")


@surveys_cli.command("show")
def show_command() -> None:
    q = current_questionnaire()
    click.echo(f"version {q.version}")
    for i, question in enumerate(q.questions, 1):
        click.echo(f"{i}. {question['key']}: {question['zh']} / {question['en']}")


DEMO_ANSWERS = [  # overall last: one dissatisfied answer opens a follow-up for its unit
    ({"speed": 5, "attitude": 5, "clarity": 4, "solved": 5, "overall": 5}, "處理迅速，謝謝。"),
    ({"speed": 4, "attitude": 5, "clarity": 4, "solved": 4, "overall": 4}, ""),
    ({"speed": 2, "attitude": 3, "clarity": 2, "solved": 1, "overall": 1}, "回覆太慢，問題也沒有解決。"),
    ({"speed": 3, "attitude": 4, "clarity": 3, "solved": 3, "overall": 3}, ""),
]


@click.command("surveys")
def demo_surveys() -> None:
    """Answer the satisfaction surveys of the demo cases (after `flask demo cases`); running it again adds nothing."""
    from cases.case_file import Submission
    from cases.demo import demo_digests
    from cases.models import Case
    from surveys.models import SurveyInvitation
    from surveys.services import answer

    invitations = db.session.scalars(
        select(SurveyInvitation).join(Case, Case.id == SurveyInvitation.case_id)
        .join(Submission, Submission.id == Case.submission_id)
        .where(Submission.idempotency_digest.in_(demo_digests()), SurveyInvitation.answered_at.is_(None))
        .order_by(SurveyInvitation.id)).all()
    questions = {q["key"] for q in current_questionnaire().questions}
    for n, invitation in enumerate(invitations):
        scores, comment = DEMO_ANSWERS[n % len(DEMO_ANSWERS)]
        answer(invitation, {k: v for k, v in scores.items() if k in questions}, comment)
    db.session.commit()
    click.echo(f"Demo survey answers: {len(invitations)} recorded.")
