"""Every Slack callback, action and block id in one place (DESIGN.md §4 names most of them)."""

# Slash command
COMMAND = "/sns"

# Draft modal: each input block's block_id equals its element's action_id.
DRAFT_SUBMIT = "draft_submit"
BODY = "body"
X_TEXT = "x_text"
BLOG_TITLE = "blog_title"
URL = "url"
ON_INTERNET = "on_internet"  # beyond the contract: policy §4's question (values yes, no)
ANSWERS = ("yes", "no")  # its options
CHANNELS = "channels"
SOURCE = "source"
CATEGORY = "category"
GROUP = "group"
GROUP_DATE = "group_date"  # beyond the contract: the group's request date (policy §5(4))
GROUP_DRAFT = "group_draft"  # beyond the contract: the group's own draft
PUBLISH_AT = "publish_at"
IMAGES = "images"
IMAGE_ALT = "image_alt"  # beyond the contract: one alternative text per image, a line each
DRAFT_FIELDS = (
    BODY,
    X_TEXT,
    BLOG_TITLE,
    URL,
    CHANNELS,
    SOURCE,
    CATEGORY,
    GROUP,
    PUBLISH_AT,
    IMAGES,
)
COUNTED_FIELDS = (BODY, X_TEXT, URL)  # typing in these updates the live X counter
X_COUNTER = "x_counter"  # the context block under the X text

# Approval card buttons (value = the draft id).
APPROVE = "approve"
REJECT = "reject"
RETRY = "retry"
RESUBMIT = "resubmit"
WITHDRAW = "withdraw"
SHOW_FULL = "show_full"
EDIT = "edit"
CANCEL = "cancel"
HOME_PAGE = "home_page"
NEW_DRAFT = "new_draft"
REVIEW_ACK = "review_ack"  # the chief confirms a deputy decision (後閲)
ROTATION_DONE = "rotation_done"  # the chief marks an account's credentials changed
NAME_DEPUTY = "name_deputy"  # the chief's App Home: users_select naming the deputy
CLEAR_DEPUTY = "clear_deputy"  # the chief's App Home: no deputy any more
CARD_ACTIONS_BLOCK = "card_actions"  # block_id: f"card_actions:{revision}"

# Reject modal
REJECT_SUBMIT = "reject_submit"
REASON = "reason"

# The approval route (DESIGN.md §4): a review step's buttons (value = the draft id).
PASS_ON = "pass_on"
SEND_BACK = "send_back"
SEND_BACK_SUBMIT = "send_back_submit"  # the send-back modal
COMMENT = "comment"  # its input (block_id = action_id)
