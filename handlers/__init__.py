"""Slack listeners (one ``register`` per listener kind) and the Block Kit views they render."""
