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
