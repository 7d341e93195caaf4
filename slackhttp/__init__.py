"""Slack's Web API over kept-alive HTTP connections: slack_sdk's ``WebClient`` with its urllib
transport replaced by persistent ``http.client`` connections, one per thread and origin.
Imports slack_sdk and the standard library only."""
