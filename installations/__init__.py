"""Slack's "Add to Slack" installations on settlebot's database: slack_sdk's SQLAlchemy
installation and OAuth state stores (tables by migration 0013), and bot tokens that rotate."""
