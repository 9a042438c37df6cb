"""Language choice: an explicit choice (cookie) wins; the API also honours Accept-Language."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, request
from flask_babel import get_translations

LANG_COOKIE = "lang"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not request:
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in languages:
        return chosen
    if request.path.startswith(("/api/", "/open311/")):  # machine clients say their language in the header
        best = request.accept_languages.best_match(["zh-TW", "zh", "en"])
        if best == "en":
            return "en"
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def html_lang(locale: str) -> str:
    return "zh-Hant-TW" if locale.startswith("zh") else "en"


def _translations() -> Any:
    """The request's translations, remembered per locale: templates translate hundreds of strings a page, and
    Flask-Babel's own lookup walks the application context several times for each. Keyed by the locale object, so
    force_locale (which sets a new one, and restores the old one after) is followed."""
    if not g:  # no application context: nothing to remember it in
        return get_translations()
    ctx = g.get("_flask_babel")
    locale = getattr(ctx, "babel_locale", None)
    memo = getattr(ctx, "_memo_translations", None)
    if memo is not None and locale is not None and memo[0] is locale:
        return memo[1]
    translations = get_translations()
    ctx = g.get("_flask_babel")
    locale = getattr(ctx, "babel_locale", None)
    if locale is not None:
        ctx._memo_translations = (locale, translations)
    return translations


def install_template_gettext(app: Flask) -> None:
    """Jinja's gettext callables through `_translations` (replacing Flask-Babel's, which behave the same)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
