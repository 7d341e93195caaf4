"""The add-card page: the only place a card number and CVC are typed, and they go no further
than the gateway's tokenize call (never the database, the logs or Slack)."""

from __future__ import annotations

import hmac
import logging
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from bot.checkout_page import checkout_get
from domain.cards import save_card, tokenize_card
from domain.errors import DomainError, InvalidInput, LinkSpent
from domain.model import Card
from domain.ports import StorageUnavailable, TokenizedCard
from handlers.context import Deps
from handlers.i18n import Translator, error_text, translator
from handlers.modal_flow import refresh_after_card

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
CSRF_COOKIE = "settlebot_csrf"
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
_ASCII_DIGITS = re.compile(r"[0-9]{1,4}")
_CARD_NUMBER = re.compile(r"[0-9][0-9 -]{10,22}[0-9]")
_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape()
)


@dataclass
class PageState:
    token: str = ""
    csrf: str = ""
    account_name: str = ""
    banner: str = ""
    banner_level: str = "error"
    show_form: bool = True
    errors: dict[str, str] = field(default_factory=dict)
    form: dict[str, int] = field(default_factory=dict)


class CardsPage:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def __call__(self, request: Request) -> Response:
        try:
            if request.method == "GET":
                return self.get(request)
            if request.method == "POST":
                return self.post(request)
        except HTTPException as exc:  # e.g. a form too large for werkzeug's parser
            log.warning("add-card page refused a request: %s", exc.code)
            return Response(exc.name, status=exc.code or 400, headers=SECURITY_HEADERS)
        except (StorageUnavailable, SQLAlchemyError) as exc:  # e.g. the link could not be read
            log.warning("add-card page unavailable (503): %s", type(exc).__name__)
            tr = translator(None)
            return self._render(tr, PageState(banner=tr("page.unavailable"), show_form=False), 503)
        return Response("method not allowed", status=405, headers={"Allow": "GET, POST", **SECURITY_HEADERS})

    def _link(self, token: str) -> Any:
        claims = self.deps.links.read(token)
        link = claims and self.deps.services.card_links.get(claims.nonce)
        now = self.deps.services.clock.now()
        if not claims or not link or link.used_at is not None or link.expires_at <= now:
            return None, None
        return claims, replace(link, slack_user_id=self.deps.actor_on(link.slack_user_id, link.account_id))

    def get(self, request: Request) -> Response:
        token = request.args.get("t", "")[:1000]
        if self.deps.services.checkout is not None:  # Stripe: its hosted page, never this form
            return checkout_get(self, request, token)
        _claims, link = self._link(token)
        if link is None:
            return self._gone(_translator_for(self.deps, None))
        tr = _translator_for(self.deps, link.slack_user_id)
        csrf = self.deps.links.csrf_token(link.nonce)
        state = PageState(token=token, csrf=csrf, account_name=self._account_name(link.account_id))
        response = self._render(tr, state, 200)
        response.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="Strict",
                            secure=self._secure(request), path="/cards")  # fmt: skip
        return response

    def _secure(self, request: Request) -> bool:
        """Secure cookies over https, including behind a trusted TLS-terminating proxy (waitress
        then sets the scheme from its X-Forwarded-Proto), and whenever PUBLIC_URL is https."""
        return request.scheme == "https" or self.deps.services.settings.public_url.startswith("https://")

    def post(self, request: Request) -> Response:
        if self.deps.services.checkout is not None:  # no card number is taken here with Stripe
            return Response("method not allowed", status=405, headers={"Allow": "GET", **SECURITY_HEADERS})
        token = request.form.get("t", "")[:1000]
        claims, link = self._link(token)
        if link is None:
            return self._gone(_translator_for(self.deps, None))
        tr = _translator_for(self.deps, link.slack_user_id)
        csrf = request.form.get("csrf", "")
        cookie = request.cookies.get(CSRF_COOKIE, "")
        same = hmac.compare_digest(csrf.encode(), cookie.encode())
        if not csrf or not same or not self.deps.links.csrf_ok(csrf, link.nonce):
            log.warning("add-card form refused: CSRF token mismatch (link %s)", link.nonce[:6])
            return self._render(tr, PageState(banner=tr("page.csrf"), show_form=False), 403)
        if self.deps.services.card_links.count_attempt(link.nonce) > MAX_ATTEMPTS:
            return self._render(tr, PageState(banner=tr("page.too_many"), show_form=False), 429)
        return self._submit(request, tr, claims, link, csrf)

    def _submit(self, request: Request, tr: Translator, claims: Any, link: Any, csrf: str) -> Response:
        """Check the form, tokenize (within the person's hourly limit), then save the card and
        spend the link together. A failure after tokenizing leaves the link usable and says so."""
        state = PageState(token=request.form.get("t", ""), csrf=csrf, account_name=self._account_name(link.account_id))
        try:
            details = _details(request, state)
            if not self._may_tokenize(link.slack_user_id):
                log.warning("add-card form refused: hourly tokenization limit reached (link %s)", link.nonce[:6])
                limit = self.deps.services.settings.card_tokenizations_per_hour
                return self._render(tr, PageState(banner=tr("page.too_many_cards", limit=limit), show_form=False), 429)
            tokenized = self._tokenize(link, details)
            card = self._save(link, tokenized, details)
        except InvalidInput as error:
            state.errors = {error.field or "number": error_text(error, tr)}
            return self._render(tr, state, 400)
        except LinkSpent:
            return self._gone(tr)
        except DomainError as error:
            return self._render(tr, PageState(banner=error_text(error, tr), show_form=False), 403)
        except (StorageUnavailable, SQLAlchemyError) as exc:  # nothing saved, the link not spent
            log.warning("add-card form: card not saved, link %s still usable (%s)", link.nonce[:6], type(exc).__name__)
            state.banner = tr("page.not_saved")
            return self._render(tr, state, 503)
        log.info("card %s added to account %s by %s", card.id, link.account_id, link.slack_user_id)
        self._refresh_modal(tr, link, claims.subscription_id, card.id)
        done = PageState(banner=tr("page.added", card=tr.card(card)), banner_level="success", show_form=False)
        return self._render(tr, done, 200)

    def _may_tokenize(self, slack_user_id: str) -> bool:
        services = self.deps.services
        limit = services.settings.card_tokenizations_per_hour
        return services.card_links.reserve_tokenization(slack_user_id, services.clock.now(), limit)

    def _tokenize(self, link: Any, details: _Details) -> TokenizedCard:
        services = self.deps.services
        return tokenize_card(
            services.uow(), services.gateway, link.slack_user_id, link.account_id, number=details.number,
            exp_month=details.month, exp_year=details.year, cvc=details.cvc, today=services.clock.today(),
        )  # fmt: skip

    def _save(self, link: Any, tokenized: TokenizedCard, details: _Details) -> Card:
        services = self.deps.services
        return save_card(services.uow(), link.slack_user_id, link.account_id, tokenized, details.month, details.year,
                         link=link.nonce, now=services.clock.now(), today=services.clock.today())  # fmt: skip

    def _refresh_modal(self, tr: Translator, link: Any, subscription_id: str, card_id: str) -> None:
        """Show the new card in the modal that sent the person here (the card is saved whatever
        happens to the modal)."""
        if link.view_id:
            refresh_after_card(self.deps, tr, link.slack_user_id, subscription_id, link.view_id, card_id)

    def _account_name(self, account_id: str) -> str:
        with self.deps.services.uow() as uow:
            account = uow.accounts.get(account_id)
        return account.name if account else ""

    def _gone(self, tr: Translator) -> Response:
        return self._render(tr, PageState(banner=tr("page.expired_link"), show_form=False), 410)

    def _render(self, tr: Translator, state: PageState, status: int) -> Response:
        year = self.deps.services.clock.today().year
        html = _templates.get_template("card_form.html").render(
            t=tr, lang=tr.locale, months=range(1, 13), years=range(year, year + 16),
            sandbox=self.deps.services.sandbox, **state.__dict__
        )
        return Response(html, status=status, mimetype="text/html", headers=SECURITY_HEADERS)


@dataclass(frozen=True)
class _Details:
    number: str
    month: int
    year: int
    cvc: str


def _details(request: Request, state: PageState) -> _Details:
    """The form's card details, checked for shape (the expiry kept in ``state`` for the form)."""
    month = _int(request.form.get("exp_month"), "exp_month")
    year = _int(request.form.get("exp_year"), "exp_year")
    state.form = {"exp_month": month, "exp_year": year}
    return _Details(_card_number(request.form.get("number")), month, year, _cvc(request.form.get("cvc")))


def _int(value: str | None, field_name: str) -> int:
    if not value or not _ASCII_DIGITS.fullmatch(value):
        raise InvalidInput(f"invalid_{field_name}", field=field_name)
    return int(value)


def _card_number(value: str | None) -> str:
    """ASCII digits, with the spaces or dashes people type; anything else is refused here."""
    if not value or not _CARD_NUMBER.fullmatch(value.strip()):
        raise InvalidInput("card_number_invalid", field="number")
    return value.strip()


def _cvc(value: str | None) -> str:
    if not value or not _ASCII_DIGITS.fullmatch(value.strip()):
        raise InvalidInput("cvc_invalid", field="cvc")
    return value.strip()


def _translator_for(deps: Deps, user_id: str | None) -> Translator:
    return deps.locales.of(user_id) if user_id else translator(None)
