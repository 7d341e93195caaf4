"""Copies the bodies added in the second round out of slackapi's test suites into tests/corpus.

Run by hand: ``python tests/corpus/extract.py MIRRORS`` where ``MIRRORS/<owner>+<name>/repo`` are
git clones of slackapi/java-slack-sdk and slackapi/python-slack-sdk; each file records the commit.
Not part of the test suite. See README.md in this folder.
"""

import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

M = sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror"
OUT = str(Path(__file__).parent)


def show(repo, path):
    git = f"{M}/{repo.replace('/', '+')}/repo"
    commit = subprocess.check_output(["git", "-C", git, "rev-parse", "HEAD"], text=True).strip()
    text = subprocess.check_output(["git", "-C", git, "show", f"HEAD:{path}"], text=True)
    return commit, text


def java_string(text, name):
    """The value of `String name = "..." + "...";` (Java escapes are JSON's), and its line."""
    start = re.search(rf"String {name}\s*=", text)
    end = text.index(";\n", start.end())
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', text[start.end() : end])
    return json.loads('"' + "".join(parts) + '"'), text.count("\n", 0, start.start()) + 1


def write(name, repo, path, line, commit, kind, content_type, body, note=None):
    source = {
        "repo": repo,
        "path": path,
        "line": line,
        "commit": commit,
        "url": f"https://github.com/{repo}/blob/{commit}/{path}#L{line}",
    }
    if note:
        source["note"] = note
    doc = {"source": source, "kind": kind, "content_type": content_type, "body": body}
    with open(f"{OUT}/{name}.json", "w") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")


JAVA, SDK = "slackapi/java-slack-sdk", "slackapi/python-slack-sdk"
FORM, JSON = "application/x-www-form-urlencoded", "application/json"

# app_home_opened, tab "home", with the Home view's Slack-generated block ids (O/wND, 6o=R6, g35A/, c=z, /9Z)
p = "slack-app-backend/src/test/java/test_locally/app_backend/util/JsonPayloadExtractorTest.java"
commit, text = show(JAVA, p)
raw, line = java_string(text, "requestBody")
write("app_home_opened_home_tab_java", JAVA, p, line, commit, "event:app_home_opened", JSON, json.loads(raw))

# Slack's documentation's app_home_opened event, in the Events API envelope the same test wraps it in
p = "slack-app-backend/src/test/java/test_locally/app_backend/events/EventTypeExtractorImplTest.java"
commit, text = show(JAVA, p)
event, line = java_string(text, "appHomeOpened")
wrapper = re.search(r"String toPayload\(String event\) \{\s*return (.*?);\n", text, re.S).group(1)
pieces = re.findall(r'"((?:[^"\\]|\\.)*)"|\+ (event) \+', wrapper)
raw = "".join(event if ev else json.loads('"' + s + '"') for s, ev in pieces)
write(
    "app_home_opened_docs_java",
    JAVA,
    p,
    line,
    commit,
    "event:app_home_opened",
    JSON,
    json.loads(raw),
    note="the event is Slack's documentation's example (https://docs.slack.dev/reference/events/app_home_opened), "
    "in the test's Events API envelope",
)

# block_actions from a Socket Mode client: a static_select in a modal, with the view's state
p = "tests/slack_sdk/socket_mode/mock_socket_mode_server.py"
commit, text = show(SDK, p)
envelopes = re.findall(r'"""(\{"envelope_id".*?\})"""', text, re.S)
written = set()
for raw in envelopes:  # the first list; the file repeats some envelopes further down
    env = json.loads(raw)
    kind = env["payload"].get("type") or env["type"]
    if kind in written:
        continue
    written.add(kind)
    line = text.count("\n", 0, text.index(raw)) + 1
    if env["payload"].get("type") == "block_actions":
        write(
            "block_actions_modal_state_sdk",
            SDK,
            p,
            line,
            commit,
            "block_actions",
            FORM,
            env["payload"],
            note="the payload of a Socket Mode envelope; Slack posts the same payload over HTTP as payload=<JSON>",
        )
    if env["type"] == "slash_commands":
        write(
            "slash_command_empty_text_sdk",
            SDK,
            p,
            line,
            commit,
            "slash_command",
            FORM,
            urlencode(env["payload"]),
            note="the payload of a Socket Mode envelope, as the form Slack posts over HTTP",
        )

# block_actions from a message in a DM (channel "directmessage"), sent to a function's app
p = "bolt/src/test/java/test_locally/app/RemoteFunctionTest.java"
commit, text = show(JAVA, p)
raw, line = java_string(text, "actionPayload")
write("block_actions_dm_java", JAVA, p, line, commit, "block_actions", FORM, json.loads(raw))

# Slack's documentation's slash command as the docs print it (raw spaces and "?" in the text)
p = "bolt-servlet/src/test/java/test_locally/servlet_test/SlashCommandTest.java"
commit, text = show(JAVA, p)
start = text.index('request.setContent("token=gIkuvaNzQIHg97ATvDxqgjtO"', text.index("public void echo()"))
end = text.index(");\n", start)
raw = "".join(json.loads('"' + s + '"') for s in re.findall(r'"((?:[^"\\]|\\.)*)"', text[start:end]))
write(
    "slash_command_docs_echo_java",
    JAVA,
    p,
    text.count("\n", 0, start) + 1,
    commit,
    "slash_command",
    FORM,
    raw,
    note="Slack's documentation's example (https://docs.slack.dev/interactivity/implementing-slash-commands), "
    "as the docs print it: the text's spaces and '?' not encoded",
)
