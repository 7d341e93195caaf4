"""Reminders: thread replies on the configured days, mentioning the card owner; the alert updated."""

from __future__ import annotations

import datetime as dt
import json

from tests.e2e.harness import BILLING_CHANNEL, cli
from tests.e2e.test_settle_flow import alerts, scan


def test_reminders_follow_in_the_alerts_thread_once_per_stage(slack, env):
    scan(env)
    e3 = alerts(slack)["sub_m365_e3"]  # 5 days past due today: stage 3 reached at posting
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).isoformat()  # 7 days: next stage
    scan(env, "--at", later)
    scan(env, "--at", later)  # the same time twice: nothing new
    thread = slack.fake.thread(BILLING_CHANNEL, e3["ts"])
    replies = thread[1:]
    assert len(replies) == 1
    reply = json.dumps(replies[0])
    assert "<@U0DEMOGA1>" in reply and "7 days" in reply  # the card's owner is mentioned
    updated = slack.fake.message(BILLING_CHANNEL, e3["ts"])
    assert updated.get("edited") and "7 days" in json.dumps(updated["blocks"])
    assert len(slack.fake.messages(BILLING_CHANNEL)) == 4  # still one alert per subscription


def test_a_dry_run_prints_what_it_would_post_and_posts_nothing(slack, env):
    out = cli(env, "scan", "--dry-run").stdout
    assert "4 alerts" in out and "Microsoft 365 E3" in out and "$129.99" in out and "EXPIRED" in out
    assert slack.fake.messages(BILLING_CHANNEL) == []
    assert "4 new alerts" in scan(env)
