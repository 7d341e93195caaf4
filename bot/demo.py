"""A small, realistic data set for trying settlebot, dated relative to today."""

from __future__ import annotations

import datetime as dt
from typing import Any

# The people of the demo: Slack user id -> (name, locale).
DEMO_USERS = {
    "U0DEMOGA1": ("Alex Global (global admin, owns the cards)", "en-US"),
    "U0DEMOBA2": ("Blair Billing (billing admin, owns no card)", "en-US"),
    "U0DEMORD3": ("Riley Reader (billing reader)", "en-GB"),
    "U0DEMOZH4": ("王芳 Wang Fang (billing admin, zh-CN)", "zh-CN"),
    "U0DEMOOT5": ("Otto Other (admin of Fabrikam only)", "en-US"),
    "U0DEMONO6": ("Noa Nobody (no role)", "en-US"),
}


def demo_data(today: dt.date) -> dict[str, Any]:
    def day(offset: int) -> str:
        return (today + dt.timedelta(days=offset)).isoformat()

    past = today.replace(day=1) - dt.timedelta(days=1)  # last day of the previous month
    return {
        "accounts": [
            {"id": "acc_contoso", "name": "Contoso Ltd", "currency": "USD", "admins": [
                {"slack_user_id": "U0DEMOGA1", "role": "global_admin"},
                {"slack_user_id": "U0DEMOBA2", "role": "billing_admin"},
                {"slack_user_id": "U0DEMORD3", "role": "billing_reader"},
                {"slack_user_id": "U0DEMOZH4", "role": "billing_admin"}]},
            {"id": "acc_fabrikam", "name": "Fabrikam GmbH", "currency": "EUR", "admins": [
                {"slack_user_id": "U0DEMOOT5", "role": "global_admin"}]},
        ],
        "payment_methods": [
            _card("card_visa", "acc_contoso", "visa", "4242", 8, today.year + 2, "U0DEMOGA1", "tok_visa"),
            _card("card_expired", "acc_contoso", "mastercard", "4444", past.month, past.year,
                  "U0DEMOGA1", "tok_mastercard"),
            _card("card_declines", "acc_contoso", "visa", "9995", 3, today.year + 1, "U0DEMOBA2",
                  "tok_chargeDeclinedInsufficientFunds"),
            _card("card_amex", "acc_fabrikam", "amex", "0005", 11, today.year + 3, "U0DEMOOT5", "tok_amex"),
        ],
        "subscriptions": [
            _sub("sub_m365_e3", "acc_contoso", "Microsoft 365 E3", "card_visa"),
            _sub("sub_business_premium", "acc_contoso", "Microsoft 365 Business Premium", "card_expired"),
            _sub("sub_power_bi", "acc_contoso", "Power BI Pro", "card_declines"),
            _sub("sub_visio", "acc_contoso", "Visio Plan 2", "card_visa"),
            _sub("sub_teams", "acc_fabrikam", "Teams Essentials", "card_amex"),
            _sub("sub_exchange", "acc_fabrikam", "Exchange Online (Plan 1)", "card_amex"),
        ],
        "invoices": [
            _inv("inv_e3_oct", "sub_m365_e3", "72.00", "USD", day(-35), "paid"),
            _inv("inv_e3_nov", "sub_m365_e3", "72.00", "USD", day(-5), "open"),
            _inv("inv_e3_addon", "sub_m365_e3", "57.99", "USD", day(-2), "open"),
            _inv("inv_bp_nov", "sub_business_premium", "264.00", "USD", day(-9), "open"),
            _inv("inv_pbi_nov", "sub_power_bi", "10.00", "USD", day(-1), "open"),
            _inv("inv_visio_dec", "sub_visio", "15.00", "USD", day(10), "open"),
            _inv("inv_teams_nov", "sub_teams", "48.00", "EUR", day(-3), "open"),
            _inv("inv_exo_dec", "sub_exchange", "4.00", "EUR", day(20), "open"),
        ],
    }


# The sandbox's second workspace (``make run``): another customer's own Slack, its own people.
SECOND_TEAM = ("T0TAILSPN2", "Tailspin Toys")
SECOND_CHANNEL = "C0TAILBILL"
SECOND_USERS = {
    "U0DEMOTA7": ("Tariq Adeyemi (global admin, owns the cards)", "en-GB"),
    "U0DEMOLI8": ("李娜 Li Na (billing admin, zh-CN)", "zh-CN"),
}


def two_workspaces_demo_data(today: dt.date, first_team: str) -> dict[str, Any]:
    """``demo_data`` with its accounts in ``first_team``, and a second workspace's customer
    (Tailspin Toys, in ``SECOND_TEAM``, alerts in ``SECOND_CHANNEL``)."""
    data = demo_data(today)
    for account in data["accounts"]:
        account["team_id"] = first_team
    data["accounts"].append({
        "id": "acc_tailspin", "name": "Tailspin Toys Ltd", "currency": "GBP", "channel": SECOND_CHANNEL,
        "team_id": SECOND_TEAM[0], "admins": [
            {"slack_user_id": "U0DEMOTA7", "role": "global_admin"},
            {"slack_user_id": "U0DEMOLI8", "role": "billing_admin"}]})  # fmt: skip
    data["payment_methods"] += [
        _card("card_tail_visa", "acc_tailspin", "visa", "1881", 5, today.year + 2, "U0DEMOTA7", "tok_visa"),
        _card("card_tail_mc", "acc_tailspin", "mastercard", "5100", 9, today.year + 1, "U0DEMOLI8",
              "tok_mastercard"),
    ]  # fmt: skip
    data["subscriptions"] += [
        _sub("sub_tail_dynamics", "acc_tailspin", "Dynamics 365 Sales", "card_tail_visa"),
        _sub("sub_tail_copilot", "acc_tailspin", "Microsoft 365 Copilot", "card_tail_mc"),
    ]
    data["invoices"] += [
        _inv("inv_tail_dyn_nov", "sub_tail_dynamics", "195.00", "GBP", day_of(today, -6), "open"),
        _inv("inv_tail_cop_nov", "sub_tail_copilot", "24.70", "GBP", day_of(today, -2), "open"),
    ]
    return data


def day_of(today: dt.date, offset: int) -> str:
    return (today + dt.timedelta(days=offset)).isoformat()


def _card(cid: str, account: str, brand: str, last4: str, month: int, year: int, owner: str,
          token: str) -> dict[str, Any]:  # fmt: skip
    return {"id": cid, "account_id": account, "brand": brand, "last4": last4, "exp_month": month,
            "exp_year": year, "owner_slack_user_id": owner, "token": token}  # fmt: skip


def _sub(sid: str, account: str, product: str, card: str) -> dict[str, Any]:
    return {"id": sid, "account_id": account, "product": product, "payment_method_id": card}


def _inv(iid: str, sub: str, amount: str, currency: str, due: str, status: str) -> dict[str, Any]:
    return {"id": iid, "subscription_id": sub, "amount": amount, "currency": currency,
            "due_date": due, "status": status}  # fmt: skip
