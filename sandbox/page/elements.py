"""Block Kit elements as HTML: buttons, selects, radio buttons, text and number inputs, images.

Interactive elements carry ``data-action`` (action id), ``data-block`` (block id) and
``data-value``; the page's script turns a click into a ``block_actions`` request. Input
elements carry ``data-input`` (action id) so a submission can read them. Unknown elements
are shown as a visible "unsupported element" box.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

from sandbox.page.mrkdwn import text_object, unescape_slack
from sandbox.page.viewer import Viewer

Element = Mapping[str, Any]


@dataclass(frozen=True)
class Inputs:
    """What a view's inputs show: values by action id (after a refused submission) and inline
    errors by block id (from ``response_action: errors``)."""

    values: Mapping[str, Any] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Scope:
    """Where an element is drawn: its block, the viewer, and the view's inputs."""

    block_id: str
    viewer: Viewer
    inputs: Inputs = field(default_factory=Inputs)


def unsupported(kind: str, what: str = "element") -> str:
    return (f'<span class="bk-unsupported" data-unsupported="{escape(kind)}">Unsupported {what}: '
            f"<code>{escape(kind)}</code></span>")  # fmt: skip


def option_text(option: Element) -> str:
    """An option's label as plain text (``<option>`` cannot hold markup)."""
    text = option.get("text") or {}
    raw = str(text.get("text", "")) if isinstance(text, Mapping) else str(text)
    return unescape_slack(raw) if isinstance(text, Mapping) and text.get("type") == "mrkdwn" else raw


def _attrs(**values: Any) -> str:
    return "".join(f' {k.replace("_", "-")}="{escape(v)}"' for k, v in values.items() if v is not None)


def _action_attrs(element: Element, scope: Scope) -> str:
    return _attrs(data_action=element.get("action_id", ""), data_block=scope.block_id)


def button(element: Element, scope: Scope) -> str:
    style = element.get("style")
    classes = "bk-button" + (f" bk-{style}" if style in ("primary", "danger") else "")
    label = text_object(element.get("text") or {}, scope.viewer)
    extra = _attrs(aria_label=element.get("accessibility_label"), data_confirm=_confirm(element))
    action = _action_attrs(element, scope) + _attrs(data_value=element.get("value"))
    url = element.get("url")
    if isinstance(url, str) and url.lower().startswith(("http://", "https://")):
        return (f'<a class="{classes}" href="{escape(url)}" target="_blank" rel="noopener noreferrer"'
                f'{action}{extra} data-url-button="1">{label}</a>')  # fmt: skip
    return f'<button type="button" class="{classes}"{action}{extra}>{label}</button>'


def _confirm(element: Element) -> str | None:
    confirm = element.get("confirm")
    if not isinstance(confirm, Mapping):
        return None
    parts = [confirm.get("title"), confirm.get("text")]
    return "\n".join(option_text({"text": p}) for p in parts if p)


def _options(element: Element, chosen: str | None) -> str:
    def one(option: Element) -> str:
        value = str(option.get("value", ""))
        selected = " selected" if value == chosen else ""
        return f'<option value="{escape(value)}"{selected}>{escape(option_text(option))}</option>'

    html = "".join(one(o) for o in element.get("options") or [])
    for group in element.get("option_groups") or []:
        label = escape(option_text({"text": group.get("label")}))
        html += f'<optgroup label="{label}">{"".join(one(o) for o in group.get("options") or [])}</optgroup>'
    return html


def _chosen(element: Element, scope: Scope, key: str = "initial_option") -> str | None:
    value = scope.inputs.values.get(str(element.get("action_id", "")))
    if value is not None:
        return str(value)
    initial = element.get(key)
    return str(initial.get("value")) if isinstance(initial, Mapping) else None


def static_select(element: Element, scope: Scope, *, as_input: bool = False) -> str:
    """A select; outside inputs (actions, accessories) picking an option is an action."""
    chosen = _chosen(element, scope)
    placeholder = option_text({"text": element.get("placeholder")}) or "Select an item"
    first = f'<option value=""{" selected" if chosen is None else ""} disabled>{escape(placeholder)}</option>'
    role = _attrs(data_input=element.get("action_id", "")) if as_input else _action_attrs(element, scope)
    dispatch = ' data-dispatch="1"' if not as_input else ""
    return f'<select class="bk-select"{role}{dispatch}>{first}{_options(element, chosen)}</select>'


def radio_buttons(element: Element, scope: Scope) -> str:
    chosen = _chosen(element, scope)
    name = f"{scope.block_id}/{element.get('action_id', '')}"
    rows = []
    for option in element.get("options") or []:
        value = str(option.get("value", ""))
        checked = " checked" if value == chosen else ""
        description = option.get("description")
        extra = f'<span class="bk-option-desc">{text_object(description, scope.viewer)}</span>' if description else ""
        rows.append(
            f'<label class="bk-radio"><input type="radio" name="{escape(name)}" value="{escape(value)}"{checked}>'
            f'<span><span class="bk-option-text">{text_object(option.get("text") or {}, scope.viewer)}</span>'
            f"{extra}</span></label>"
        )  # fmt: skip
    return f'<div class="bk-radios"{_attrs(data_input=element.get("action_id", ""))}>{"".join(rows)}</div>'


def text_input(element: Element, scope: Scope) -> str:
    """plain_text_input (one line or multiline), email, url and number inputs."""
    kind = element.get("type")
    action_id = str(element.get("action_id", ""))
    value = scope.inputs.values.get(action_id, element.get("initial_value"))
    placeholder = option_text({"text": element.get("placeholder")}) or None
    attrs = _attrs(data_input=action_id, placeholder=placeholder, maxlength=element.get("max_length"),
                   minlength=element.get("min_length"))  # fmt: skip
    if kind == "plain_text_input" and element.get("multiline"):
        return f'<textarea class="bk-text" rows="4"{attrs}>{escape(value or "")}</textarea>'
    if kind == "number_input":
        step = "any" if element.get("is_decimal_allowed") else "1"
        attrs += _attrs(min=element.get("min_value"), max=element.get("max_value"), step=step)
        return f'<input class="bk-text" type="number"{attrs}{_attrs(value=value)}>'
    html_type = {"email_text_input": "email", "url_text_input": "url"}.get(str(kind), "text")
    return f'<input class="bk-text" type="{html_type}"{attrs}{_attrs(value=value)}>'


def image(element: Element, scope: Scope) -> str:
    url = str(element.get("image_url", ""))
    if not url.lower().startswith(("http://", "https://")):
        return unsupported("image without an http(s) image_url")
    return f'<img class="bk-image-element" src="{escape(url)}" alt="{escape(element.get("alt_text", ""))}">'


INTERACTIVE: dict[str, Callable[[Element, Scope], str]] = {"button": button, "static_select": static_select}
INPUTS: dict[str, Callable[[Element, Scope], str]] = {
    "radio_buttons": radio_buttons,
    "static_select": lambda e, s: static_select(e, s, as_input=True),
    "plain_text_input": text_input, "number_input": text_input,
    "email_text_input": text_input, "url_text_input": text_input,
}  # fmt: skip


def element(element: Any, scope: Scope, table: Mapping[str, Callable[[Element, Scope], str]]) -> Markup:
    """One element drawn with ``table`` (INTERACTIVE or INPUTS), or an unsupported box."""
    if not isinstance(element, Mapping):
        return Markup(unsupported(type(element).__name__))
    draw = table.get(str(element.get("type")))
    return Markup(draw(element, scope) if draw else unsupported(str(element.get("type"))))
