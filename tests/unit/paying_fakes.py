"""A fake processor that pays invoice by invoice, as Stripe does (the sandbox charges the total once)."""

from __future__ import annotations

from domain.errors import InvalidInput
from domain.ports import ChargeLine, ChargeResult, ChargeStatus, GatewayUnreachable, LineResult, TokenizedCard


class InvoiceProcessor:
    """Pays each line under ``<key>:<invoice id>``; a key seen before gets its first answer back.

    ``declines``: invoice id -> decline code (``authentication_required`` asks for action).
    ``down``: every call raises GatewayUnreachable.
    """

    moves_real_money = True

    def __init__(self, declines: dict[str, str] | None = None) -> None:
        self.declines = declines or {}
        self.answers: dict[str, LineResult] = {}
        self.calls: list[str] = []  # every line key asked, in order
        self.defaults: dict[str, str] = {}  # subscription -> token
        self.expiries: dict[str, tuple[int, int]] = {}  # token -> (month, year)
        self.down = False

    @property
    def payments(self) -> list[str]:
        """The keys that moved money."""
        return [k for k, r in self.answers.items() if r.status is ChargeStatus.SUCCEEDED]

    def pay(self, *, idempotency_key: str, token: str, lines: tuple[ChargeLine, ...]) -> ChargeResult:
        self._check_up()
        results: list[LineResult] = []
        for line in lines:
            key = f"{idempotency_key}:{line.invoice_id}"
            self.calls.append(key)
            result = self.answers.setdefault(key, self._answer(line))
            results.append(result)
            if result.status is not ChargeStatus.SUCCEEDED:
                break
        return ChargeResult.of_lines(tuple(results))

    def _answer(self, line: ChargeLine) -> LineResult:
        code = self.declines.get(line.invoice_id)
        if code is None:
            return LineResult(line.invoice_id, ChargeStatus.SUCCEEDED, reference=f"paid-{line.invoice_id}")
        if code == "authentication_required":
            return LineResult(line.invoice_id, ChargeStatus.REQUIRES_ACTION, decline_code=code,
                              action_url=f"https://pay.example/{line.invoice_id}")  # fmt: skip
        return LineResult(line.invoice_id, ChargeStatus.DECLINED, decline_code=code)

    def find_payment(
        self, idempotency_key: str, lines: tuple[ChargeLine, ...], *, token: str | None
    ) -> ChargeResult | None:
        self._check_up()
        known = [self.answers[k] for line in lines if (k := f"{idempotency_key}:{line.invoice_id}") in self.answers]
        return ChargeResult.of_lines(tuple(known)) if known else None

    def make_default(self, *, idempotency_key: str, subscription_id: str, token: str) -> None:
        self._check_up()
        self.defaults[subscription_id] = token

    def update_expiry(self, *, idempotency_key: str, token: str, exp_month: int, exp_year: int) -> None:
        self._check_up()
        self.expiries[token] = (exp_month, exp_year)

    def tokenize(self, *, number: str, exp_month: int, exp_year: int, cvc: str) -> TokenizedCard:
        raise InvalidInput("add_card_in_stripe", field="number")

    def _check_up(self) -> None:
        if self.down:
            raise GatewayUnreachable("the processor is down")


class DiesAfterPaying(InvoiceProcessor):
    """The process dies once the processor has paid, before settlebot commits the outcome."""

    def pay(self, *, idempotency_key: str, token: str, lines: tuple[ChargeLine, ...]) -> ChargeResult:
        super().pay(idempotency_key=idempotency_key, token=token, lines=lines)
        raise SystemExit("killed between pay and commit")
