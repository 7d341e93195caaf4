"""Block Kit blocks as HTML, the way Slack lays them out.

Covers what settlebot sends (header, section with text, fields and accessory, context,
divider, actions, input, alert, card) and image blocks. Anything else is drawn as a visible
"unsupported block" box, never dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from markupsafe import Markup, escape

from sandbox.page import elements as el
from sandbox.page.elements import Inputs, Scope
from sandbox.page.mrkdwn import plain, text_object
from sandbox.page.viewer import Viewer

Block = Mapping[str, Any]
ALERT_ICONS = {"default": "i", "info": "i", "warning": "!", "error": "!", "success": "✓"}
ACCESSORIES = {**el.INTERACTIVE, "image": el.image}


def render_blocks(blocks: Any, viewer: Viewer, inputs: Inputs | None = None) -> Markup:
    """Every block, in order; ``inputs`` holds the values and errors of a view's inputs."""
    if not isinstance(blocks, list):
        return Markup(el.unsupported("blocks that are not a list", "payload"))
    scope_inputs = inputs or Inputs()
    return Markup("").join(render_block(b, viewer, scope_inputs) for b in blocks)


def render_block(block: Any, viewer: Viewer, inputs: Inputs) -> Markup:
    if not isinstance(block, Mapping):
        return Markup(f'<div class="bk-block">{el.unsupported(type(block).__name__, "block")}</div>')
    kind = str(block.get("type"))
    block_id = str(block.get("block_id", ""))
    draw = _BLOCKS.get(kind)
    body = draw(block, Scope(block_id, viewer, inputs)) if draw else el.unsupported(kind, "block")
    return Markup(f'<div class="bk-block bk-{escape(kind)}" data-block-id="{escape(block_id)}">{body}</div>')


def _text(obj: Any, scope: Scope) -> Markup:
    return text_object(obj, scope.viewer)


def header(block: Block, scope: Scope) -> str:
    text = block.get("text") or {}
    return f'<div class="bk-header-text">{plain(str(text.get("text", "")))}</div>'


def section(block: Block, scope: Scope) -> str:
    parts = []
    if block.get("text"):
        parts.append(f'<div class="bk-section-text">{_text(block["text"], scope)}</div>')
    if block.get("fields"):
        fields = "".join(f'<div class="bk-field">{_text(f, scope)}</div>' for f in block["fields"])
        parts.append(f'<div class="bk-fields">{fields}</div>')
    html = f'<div class="bk-section-main">{"".join(parts)}</div>'
    if block.get("accessory") is not None:
        html += f'<div class="bk-accessory">{el.element(block["accessory"], scope, ACCESSORIES)}</div>'
    return html


def context(block: Block, scope: Scope) -> str:
    items = []
    for item in block.get("elements") or []:
        if isinstance(item, Mapping) and item.get("type") == "image":
            items.append(el.image(item, scope).replace("bk-image-element", "bk-context-image"))
        elif isinstance(item, Mapping) and item.get("type") in ("mrkdwn", "plain_text"):
            items.append(f'<span class="bk-context-text">{_text(item, scope)}</span>')
        else:
            items.append(str(el.element(item, scope, {})))
    return "".join(items)


def divider(block: Block, scope: Scope) -> str:
    return "<hr>"


def actions(block: Block, scope: Scope) -> str:
    return "".join(str(el.element(e, scope, el.INTERACTIVE)) for e in block.get("elements") or [])


def input_block(block: Block, scope: Scope) -> str:
    label = block.get("label") or {}
    optional = ' <span class="bk-optional">(optional)</span>' if block.get("optional") else ""
    element = block.get("element") or {}
    table = el.INPUTS
    if block.get("dispatch_action"):
        table = {**el.INPUTS, "static_select": el.INTERACTIVE["static_select"]}
    html = f'<label class="bk-label">{plain(str(label.get("text", "")))}{optional}</label>'
    html += str(el.element(element, scope, table))
    if block.get("hint"):
        html += f'<div class="bk-hint">{_text(block["hint"], scope)}</div>'
    error = scope.inputs.errors.get(scope.block_id)
    if error:
        html += f'<div class="bk-error" role="alert">{plain(error)}</div>'
    return html


def alert(block: Block, scope: Scope) -> str:
    level = str(block.get("level") or "default")
    level = level if level in ALERT_ICONS else "default"
    return (f'<div class="bk-alert-box bk-alert-{level}" role="status" data-level="{level}">'
            f'<span class="bk-alert-icon">{ALERT_ICONS[level]}</span>'
            f'<div class="bk-alert-text">{_text(block.get("text") or {}, scope)}</div></div>')  # fmt: skip


def card(block: Block, scope: Scope) -> str:
    parts = []
    hero, icon = block.get("hero_image"), block.get("icon")
    if isinstance(hero, Mapping):
        parts.append(el.image(hero, scope).replace("bk-image-element", "bk-card-hero"))
    heading = []
    if isinstance(icon, Mapping):
        heading.append(el.image(icon, scope).replace("bk-image-element", "bk-card-icon"))
    titles = "".join(
        f'<div class="bk-card-{name}">{_text(block[name], scope)}</div>'
        for name in ("title", "subtitle") if block.get(name)
    )  # fmt: skip
    heading.append(f'<div class="bk-card-titles">{titles}</div>')
    parts.append(f'<div class="bk-card-heading">{"".join(heading)}</div>')
    if block.get("body"):
        parts.append(f'<div class="bk-card-body">{_text(block["body"], scope)}</div>')
    buttons = "".join(str(el.element(e, scope, el.INTERACTIVE)) for e in block.get("actions") or [])
    if buttons:
        parts.append(f'<div class="bk-card-actions">{buttons}</div>')
    return f'<div class="bk-card-box">{"".join(parts)}</div>'


def image_block(block: Block, scope: Scope) -> str:
    title = block.get("title")
    caption = f"<figcaption>{_text(title, scope)}</figcaption>" if title else ""
    return f"<figure>{el.image(block, scope)}{caption}</figure>"


_BLOCKS: dict[str, Callable[[Block, Scope], str]] = {
    "header": header, "section": section, "context": context, "divider": divider,
    "actions": actions, "input": input_block, "alert": alert, "card": card, "image": image_block,
}  # fmt: skip
