"""The local Slack sandbox page: what Slack would show, over the same `FakeSlack` the tests use.

`make run` without Slack tokens serves it beside the real app (see ``bot/quickstart.py``).
Server-rendered HTML (Jinja2 templates, Block Kit drawn in Python with everything escaped)
and one small plain script that polls for changes and posts each action.

Modules:
    app: `SandboxPage`, the WSGI app (page, JSON regions, actions, the fake Web API at /api/).
    frame, timeline: the page's regions for one person (channel, thread, Home tab, modal).
    blockkit, elements, mrkdwn, dates: Block Kit, mrkdwn and date tokens as safe HTML.
    actions: clicks, submissions, slash commands and scans, sent through `SlackDriver`.
    memory, viewer: what the page remembers, and who is looking.
"""

from sandbox.page.app import SandboxPage
from sandbox.page.frame import PageInfo, WorkspaceInfo
from sandbox.page.viewer import Person, Viewer

__all__ = ["PageInfo", "Person", "SandboxPage", "Viewer", "WorkspaceInfo"]
