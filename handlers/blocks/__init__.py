"""Pure Block Kit builders, one module per surface; each returns ``slack_sdk.models`` objects."""

from handlers.blocks.alert import alert_message, reminder_message
from handlers.blocks.command import (
    error_message,
    help_message,
    nothing_due,
    past_due_list,
    receipt_message,
    refusal,
)
from handlers.blocks.common import Message
from handlers.blocks.home import home_view
from handlers.blocks.modal import loading_modal, message_modal, processing_modal, result_modal, settle_modal

__all__ = [
    "Message",
    "alert_message",
    "error_message",
    "help_message",
    "home_view",
    "loading_modal",
    "message_modal",
    "nothing_due",
    "past_due_list",
    "processing_modal",
    "receipt_message",
    "refusal",
    "reminder_message",
    "result_modal",
    "settle_modal",
]
