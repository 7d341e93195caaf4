"""A local stand-in for Slack: a fake Web API server and helpers that sign and send Slack requests.

Used by the end-to-end tests (the real app talks to `FakeSlack` over HTTP) and by the local
"Slack sandbox" page, which reads the same state. Nothing here runs at import time.

Modules:
    fake_slack: `FakeSlack`, the server and everything tests ask of it.
    server: the WSGI app (`WebApi`) and the thread serving it (`ServerThread`).
    api_chat, api_views, api_misc: the Web API methods.
    state, messages, views, users: the workspace the methods read and change.
    validation, spec: Block Kit checks and the published-spec check.
    faults, recording, clock, ids, errors, params: the small parts.
    signing, payloads, inputs: signed requests to the app, shaped like Slack's.
"""
