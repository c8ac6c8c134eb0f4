"""Names Teams and snsbot agree on: bot commands, the message-extension command, card verbs."""

from __future__ import annotations

FRONT_END = "teams"  # Draft.front_end / Member.front_end of everything drafted in Teams

# Bot commands, typed in the 1:1 chat (also the manifest's command list, in this order).
SNS = "sns"  # a launcher card whose button opens the draft form
STATUS = "status"
HOME = "home"  # the dashboard card (Slack's App Home)
POLICY = "policy"
HELP = "help"
AWAY = "away"  # (the chief) `away on` / `away off`: 代決 while away, 後閲 on return
DEPUTY = "deputy"  # the chief's: a card to name the deputy (not in the manifest's list)
SEARCH = "search"  # past drafts and posts (bot.features.search)
REPORT = "report"  # the chief's monthly report (bot.features.report)
FOLLOW = "follow"  # `follow <target>`…: the §7, §8 request form
ENGAGEMENT_KINDS = (FOLLOW, "retweet", "like", "share")
COMMANDS = (SNS, STATUS, HOME, POLICY, HELP, SEARCH, REPORT, AWAY, FOLLOW)  # Teams lists ≤ 10
TYPED_COMMANDS = (*ENGAGEMENT_KINDS[1:], DEPUTY)  # typed in the chat, not in the manifest's list

# The message-extension action command (compose box, command box, a message's "…" menu).
ME_DRAFT = "snsDraft"

# Adaptive Card verbs (Action.Execute `verb`, or `data.verb` of Action.Submit in dialogs).
OPEN_DRAFT = "open_draft"  # launcher / resubmit button: data.msteams.type = task/fetch
PREFILL = "prefill"  # the launcher's data: the body typed after `sns`
DRAFT_SUBMIT = "draft_submit"  # the draft form (same name as Slack's callback id)
DRAFT_PREVIEW = "draft_preview"  # the form's プレビュー: the form again, with the X count
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
IMAGES_ALT = "images_alt"  # 代替テキストを保存 on the card of pictures sent to the bot
IMAGES_CLEAR = "images_clear"  # 画像を取り消す on that card
HOME_REFRESH = "home_refresh"  # the dashboard's 更新, its pagers and its automatic refresh

# Draft form inputs: the same names as Slack's block ids (DESIGN §4).
BODY = "body"
X_TEXT = "x_text"
BLOG_TITLE = "blog_title"
URL = "url"
ON_INTERNET = "on_internet"  # policy §4's question, as in Slack's modal (values yes, no)
ANSWERS = ("yes", "no")
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
NAME_DEPUTY = "name_deputy"  # the chief's deputy card: Action.Execute
DEPUTY_CHOICE = "deputy_choice"  # its Input.ChoiceSet: a roster id, or NO_DEPUTY
NO_DEPUTY = "none"

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

# A registered group's request (policy §5(4)): the button opens the draft form pre-filled, and the
# form made of it carries this mode and the request's id.
GROUP_REQUEST_DRAFT = "group_request_draft"
GROUP_REQUEST = "group_request"
SHARE_REASON = "share_reason"  # the reject card's toggle: the group may read the reason

# The approval route (DESIGN.md §4): a review step's verbs, the comment input on every card.
PASS_ON = "pass_on"
SEND_BACK = "send_back"  # its Action.ShowCard holds the required comment
COMMENT = "comment"  # the コメント action's verb, and the name of the comment input
