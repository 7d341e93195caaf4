"""Every action_id, callback_id and block_id, defined once for builders and listeners."""

# Buttons that open the settle modal; value: subscription id.
SETTLE_OPEN = "settle_open"
# Url button to the add-card page (Slack still sends block_actions; it is acked).
ADD_CARD = "add_card"
# Card block buttons inside the modal; value: card id.
SELECT_CARD = "select_card"
EDIT_EXPIRY = "edit_expiry"

# Views.
SETTLE_MODAL = "settle_modal"
PROCESSING_MODAL = "settle_processing"
LOADING_MODAL = "settle_loading"
RESULT_MODAL = "settle_result"

# Inputs of the settle modal. Their block ids carry a suffix (``versioned``) naming the card
# they were rendered for: Slack keeps a user's input across views.update when the block id
# is unchanged, so a new suffix makes a re-rendered default take effect.
PAY_WITH_BLOCK = "pay_with"
PAY_WITH_ACTION = "pay_with_card"
EXP_MONTH_BLOCK = "exp_month"
EXP_MONTH_ACTION = "exp_month_select"
EXP_YEAR_BLOCK = "exp_year"
EXP_YEAR_ACTION = "exp_year_select"

# Blocks addressed by id.
NOTICE_BLOCK = "notice"
# Blocks that carry the app's buttons get ids of their own (Slack would generate some, of any
# characters: the door accepts those too): a "Settle balance" button's block, per subscription
# (unique within a message or a view), and the add-card button's block.
SETTLE_BLOCK = "settle"
ADD_CARD_BLOCK = "add_card"
MAX_BLOCK_ID = 255  # Slack's limit


def settle_block(subscription_id: str) -> str:
    return versioned(SETTLE_BLOCK, subscription_id)[:MAX_BLOCK_ID]


def versioned(block: str, suffix: str) -> str:
    return f"{block}.{suffix}"


def base_of(block_id: str) -> str:
    return block_id.split(".", 1)[0]
