"""The Slack front end: thin Bolt listeners that call the core and render Block Kit."""

from handlers.slack import (
    approval,
    commands,
    crosspost,
    deputy,
    drafting,
    engagement,
    engagement_blocks,
    feed,
    home,
    ids,
    leavers,
    moderation,
    moderation_blocks,
    oversight,
    revising,
    routing,
)
from handlers.slack.replies import after_ack_runner
from handlers.slack.wiring import ServicesInContext


def add_listeners(app, services, languages=None) -> None:
    """Put the services in every request's context, then map each id to its listener."""
    # What a click changes, done after its ack, giving way to the acks still in hand.
    after_ack = after_ack_runner(services.msg, services.foreground.give_way)
    app.use(ServicesInContext(services, after_ack, languages))

    app.command(ids.COMMAND)(commands.sns_command)

    app.view(ids.DRAFT_SUBMIT)(drafting.draft_submitted)
    app.action(ids.NEW_DRAFT)(drafting.new_draft_clicked)

    app.action(ids.APPROVE)(approval.approve_clicked)
    app.action(ids.REJECT)(approval.reject_clicked)
    app.view(ids.REJECT_SUBMIT)(approval.reject_submitted)
    app.action(ids.RETRY)(approval.retry_clicked)
    app.action(ids.CANCEL)(approval.cancel_clicked)
    app.action(ids.SHOW_FULL)(approval.show_full_clicked)

    app.action(ids.PASS_ON)(routing.pass_on_clicked)
    app.action(ids.SEND_BACK)(routing.send_back_clicked)
    app.view(ids.SEND_BACK_SUBMIT)(routing.send_back_submitted)
    app.event("message")(routing.message_posted)

    app.action(ids.EDIT)(revising.edit_clicked)
    app.action(ids.RESUBMIT)(revising.resubmit_clicked)
    app.action(ids.WITHDRAW)(revising.withdraw_clicked)
    for field in ids.COUNTED_FIELDS:
        app.action(field)(revising.counter_typed)

    app.action(ids.REVIEW_ACK)(oversight.review_acknowledged)
    app.action(ids.ROTATION_DONE)(oversight.rotation_done)

    app.event("app_home_opened")(home.home_opened)
    app.event("user_change")(leavers.member_changed)  # a deactivated member's role ends (§6)
    app.action(ids.HOME_PAGE)(home.page_turned)
    app.action(ids.NAME_DEPUTY)(deputy.deputy_chosen)
    app.action(ids.CLEAR_DEPUTY)(deputy.deputy_cleared)

    app.action(feed.FEED_DRAFT)(feed.feed_draft_clicked)
    app.action(crosspost.CROSS_POST)(crosspost.cross_post_clicked)

    app.action(moderation_blocks.CATEGORY)(moderation.category_chosen)
    for action_id in moderation_blocks.ACTION_IDS.values():
        app.action(action_id)(moderation.moderation_clicked)

    app.view(engagement_blocks.SUBMIT)(engagement.engagement_submitted)
    app.action(engagement_blocks.APPROVE)(engagement.engagement_approve_clicked)
    app.action(engagement_blocks.REJECT)(engagement.engagement_reject_clicked)
