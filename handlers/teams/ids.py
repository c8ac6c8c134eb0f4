"""Names Teams and snsbot agree on: bot commands, the message-extension command, card verbs."""

from __future__ import annotations

FRONT_END = "teams"  # Draft.front_end / Member.front_end of everything drafted in Teams

# Bot commands, typed in the 1:1 chat (also the manifest's command list, in this order).
SNS = "sns"  # a launcher card whose button opens the draft form
STATUS = "status"
POLICY = "policy"
HELP = "help"
AWAY = "away"  # (the chief) `away on` / `away off`: 代決 while away, 後閲 on return
ENGAGEMENT_KINDS = ("follow", "retweet", "like", "share")  # `follow <target>`…: §7, §8 requests
COMMANDS = (SNS, STATUS, POLICY, HELP, AWAY, *ENGAGEMENT_KINDS)

# The message-extension action command (compose box, command box, a message's "…" menu).
ME_DRAFT = "snsDraft"

# Adaptive Card verbs (Action.Execute `verb`, or `data.verb` of Action.Submit in dialogs).
OPEN_DRAFT = "open_draft"  # launcher / resubmit button: data.msteams.type = task/fetch
PREFILL = "prefill"  # the launcher's data: the body typed after `sns`
DRAFT_SUBMIT = "draft_submit"  # the draft form (same name as Slack's callback id)
APPROVE = "approve"
REJECT = "reject"  # opens the reason dialog (task/fetch)
REJECT_SUBMIT = "reject_submit"
RETRY = "retry"
RESUBMIT = "resubmit"  # opens the draft form pre-filled (task/fetch)
EDIT = "edit"  # the chief's edit before approving: the draft form on the current revision
CANCEL = "cancel"  # the chief stops a scheduled post not yet out
CROSS_POST = "cross_post"  # the results card's 他のSNSにも投稿 (§5(3)): the form, pre-filled
WITHDRAW = "withdraw"
REFRESH = "refresh"  # the card's user-specific refresh action

# Draft form inputs: the same names as Slack's block ids (DESIGN §4).
BODY = "body"
X_TEXT = "x_text"
BLOG_TITLE = "blog_title"
URL = "url"
CHANNELS = "channels"
SOURCE = "source"
CATEGORY = "category"
GROUP = "group"
GROUP_DATE = "group_date"
GROUP_DRAFT = "group_draft"
PUBLISH_DATE = "publish_date"  # Teams has no date-time input: a date and a time
PUBLISH_TIME = "publish_time"
REASON = "reason"
SHOW_FULL = "show_full"  # the full text in a dialog (task/fetch)
REVIEW_ACK = "review_ack"  # the chief confirms a deputy's decision (後閲)
ROTATION_DONE = "rotation_done"  # the chief marks an account's credentials changed

# Follows, retweets, likes and shares (policy §7, §8): the approvers' card (Slack's action ids).
ENGAGEMENT_APPROVE = "engagement_approve"
ENGAGEMENT_REJECT = "engagement_reject"
ENGAGEMENT_SUBMIT = "engagement_submit"  # the request form's 決裁に回す (a card in the chat)
ENGAGEMENT_TARGET = "engagement_target"
ENGAGEMENT_CATEGORY = "engagement_category"
ENGAGEMENT_OFFICIAL = "engagement_official"

# The moderation inbox (policy §11): the chief's card; the verb names the action (Slack's ids).
MODERATION_VERBS = {
    "dismiss": "moderation_dismiss",
    "hide": "moderation_hide",
    "delete": "moderation_delete",
    "block": "moderation_block",
}
MODERATION_CATEGORY = "moderation_category"  # the card's Input.ChoiceSet of the 15 categories

# The HP feed (policy §5(2)): the announcement's button opens the draft form pre-filled.
FEED_DRAFT = "feed_draft"
