"""English texts: Teams' own, search, the monthly report and App Home."""

TEAMS_AND_HOME: dict[str, str] = {
    "teams.launcher": "Draft an SNS post: the button opens the form.",
    "teams.open_form": "Open the draft form",
    "teams.publish_at_hint": "Empty: publish right after approval. To schedule, give both the date and the time (Japan time).",
    "teams.publish_time": "Publish time (optional)",
    "teams.publish_at_incomplete": "To schedule a post, give both the date and the time.",
    "teams.images.how": "To attach pictures, close the form and send them to the bot in this chat (up to {max}); the next form you open takes them.",
    "teams.images.received": "Pictures received ({count} / {max})",
    "teams.images.alt": "Alt text (describes the picture to people who cannot see it)",
    "teams.images.alt_required": "Enter the alt text.",
    "teams.images.alt_missing": 'The picture "{name}" has no alt text. Enter it on the pictures card in the chat with the bot and press Save alt text.',
    "teams.images.hint": "The next draft form you open takes these pictures. Words sent with a picture become its alt text.",
    "teams.images.saved": "Alt text saved. The next draft form you open takes these pictures.",
    "teams.images.save": "Save alt text",
    "teams.images.clear": "Remove the pictures",
    "teams.images.cleared": "The pictures were removed.",
    "teams.images.download_failed": 'The picture "{name}" could not be received. Please send it again.',
    "teams.images.attached": "Pictures to attach ({count})",
    "teams.images.no_alt": "(no alt text)",
    "teams.refresh": "Refresh",
    "teams.preview": "Preview",
    "teams.preview.title": "Preview (not submitted yet)",
    "teams.preview.chief": "The chief will get this:",
    "teams.preview.fix": "A choice holds a value the form does not offer, so the chief's card cannot be shown. Fix the form and press Preview again.",
    "teams.home.hint": "Opening this chat brings the card up to date; Refresh shows it again at any time.",
    "teams.home.item": "#{id} {author} — {excerpt}",
    "teams.home.refresh": "Refresh",
    "teams.card_for_approvers": "Only the approvers see the Approve and Reject buttons. If you do not see them, press Refresh.",
    "teams.sent": "Submitted (draft #{id}). It goes to the chief for approval; you will hear the result in this chat.",
    "teams.sent_route": "Submitted (draft #{id}). It goes along the approval route (reviewed first, then decided by the chief); you will hear the result in this chat.",
    "teams.sent_again": "This draft was already submitted. You will hear the result in this chat.",
    "teams.not_operator": "You are not registered as an SNS operator. Ask the chief ({chief}) to add you (an administrator runs `snsbot roles set --platform teams <user id> operator`).",
    "teams.not_operator_unnamed": "You are not registered as an SNS operator. Ask the chief to add you (an administrator runs `snsbot roles set --platform teams <user id> operator`).",
    "teams.unknown": 'There is no command "{text}". Send `help` for the list.',
    "teams.welcome.title": "Welcome to the SNS approval bot",
    "teams.welcome.text": (
        "This bot posts to the center's X, Facebook and blog only after the chief approves "
        "(決裁); every decision is kept in the approval register.\n\n"
        "**Getting started**\n\n"
        '- Draft a post: press "Open the draft form" below, or send `sns` in this chat\n'
        "- Your drafts and their state: `status`\n"
        "- Help: `help`; the SNS policy in brief: `policy`\n\n"
        "If you are not registered as an operator yet, ask the chief to add you."
    ),
    "teams.help.text": (
        "**SNS approval bot — how to use it**\n\n"
        '- `sns` — shows a button that opens the draft form (also "SNS下書き" in the message box)\n'
        "- `sns <text>` — the same button; the form opens with the text as its body\n"
        "- `status` — your drafts and their state\n"
        "- `home` — the dashboard (pending, scheduled and failed posts, your drafts and more)\n"
        "- pictures — send them in this chat; the next draft form you open takes them (up to 4)\n"
        "- `search words` — search past drafts and posts (`search` alone for the conditions)\n"
        "- `report 2026-11` — (chief) the monthly report's summary and chart\n"
        "- `policy` — the center's SNS policy in brief\n"
        "- `help` — this help\n"
        "- `follow @name`, `retweet <post URL>`, `like <post URL>`, `share <Facebook URL>` — the form that sends a follow, retweet, like or share to the chief (policy 7, 8)\n"
        "- `away on` / `away off` — (chief) away / back: the deputy decides meanwhile, and on return you get the list of their decisions to review\n"
        "- `deputy` — (chief) name or change the deputy\n\n"
        "A draft is posted to X, Facebook and the blog only after the chief approves it."
    ),
    "help.text": (
        "*SNS approval bot — how to use*\n"
        "• `/sns` — open the draft form\n"
        "• `/sns draft text` — open the form with the text filled in\n"
        "• `/sns status` — your drafts and their state\n"
        "• `/sns search words` — search past drafts and posts (`/sns search` for the conditions)\n"
        "• `/sns policy` — the center's SNS policy in brief\n"
        "• `/sns away on|off` — (chief) away / back; the deputy decides meanwhile\n"
        "• `/sns report 2026-11` — (chief) the monthly report (CSV, summary, chart) in your DM\n"
        "• `/sns follow @handle` — ask the chief to approve following an X account (policy 7)\n"
        "• `/sns retweet <post URL>`, `/sns like <post URL>` — retweet or like an X post, once approved\n"
        "• `/sns share <Facebook URL>` — share a Facebook post on the Page, once approved (policy 8)\n"
        "• `/sns help` — this help\n"
        "Drafts are posted to X, Facebook and the blog after the chief approves them."
    ),
    "help.unknown": "There is no `/sns {sub}` command.",
    "status.header": "Your drafts",
    "status.none": "You have no open drafts.",
    "status.line": "#{id} {state} — {excerpt}",
    "state.pending": "awaiting approval",
    "state.approved": "approved",
    "state.rejected": "sent back",
    "state.withdrawn": "withdrawn",
    "state.published": "published",
    "state.failed": "with a failure",
    "search.usage": (
        "*Search past drafts and posts*\n"
        "`{command} words` — finds drafts whose body, X text, blog title, URL or group contains the words (every word).\n"
        "Conditions: `from:@user` (`from:me` is you), `since:2026-11-01`, `until:2026-11-30` (the day submitted, Japan time, included), "
        "`network:x|facebook|blog`, `state:pending|approved|rejected|sent_back|withdrawn|expired|published|failed`\n"
        "Example: `{command} workshop from:me since:2026-11-01 network:x state:published`\n"
        "Shows at most {limit}, newest first. Everyone with a role (chief, deputy, operator…) can search every draft."
    ),
    "search.header": "*Search results: {count}*",
    "search.more": "More than {limit} drafts match; the newest {limit} are shown. Add conditions to narrow the search.",
    "search.none": "No draft matches.",
    "search.line": "*#{id}* {state} · <@{author}> · {date}",
    "search.open": "Open the post on {network}",
    "search.failed": "Failed: {networks}",
    "search.error.twice": "`{name}:` is given twice; give it once.",
    "search.error.network": "`network:{value}` is not known; use one of {allowed}.",
    "search.error.state": "`state:{value}` is not known; use one of {allowed}.",
    "search.error.date": '"{value}" is not a date; write it like 2026-11-01.',
    "search.error.person": 'Nobody on the roster is called "{name}"; use `from:me`, or a roster member\'s name or user id.',
    "search.error.range": "The `since:` day comes after the `until:` day.",
    "report.usage": "Give the month, like `{command} 2026-11`. The monthly report (CSV, summary, chart) comes to this DM (the chief only; the deputy too while the chief is away).",
    "report.refused": "Only the chief (or the deputy while the chief is away) can ask for the monthly report.",
    "report.making": "Making the monthly report for {month}; it comes to your DM when ready.",
    "report.files": "The monthly report for {month}: the register's CSV (opens in Excel), the summary and a chart of posts per week.",
    "report.teams_files": "Teams chats cannot receive the CSV: an administrator makes it with `snsbot report --month {month}`, or ask in Slack with `/sns report {month}`.",
    "report.chart_alt": "Posts per week by network, {month}",
    "report.title": "# SNS posts: monthly report {month}",
    "report.submitted": "Drafts submitted: {count}",
    "report.outcomes": "Their state: {items}",
    "report.by_source": "Kind of information (policy 5): {items}",
    "report.by_category": "Category (policy 4): {items}",
    "report.by_group": "Requests from registered groups: {items}",
    "report.acting": "Decided by the deputy (代決): {count} (to be reviewed)",
    "report.approval_time": "From submission to approval: median {median}, longest {longest}",
    "report.duration": "{hours} h {minutes} min",
    "report.published": "Posts by network: {items}",
    "report.dry_run": "Test posts (not really posted): {count}",
    "report.failures": "Failed posts: {items}",
    "report.retries": "Retries: {retried} posts needed more than one attempt; Retry pressed {requests} times",
    "report.engagements": "Follow, retweet, like and share requests: {items}",
    "report.moderation": "Comments acted on (policy 11): {items}",
    "report.list_sep": ", ",
    "report.none": "none",
    "state.sent_back": "sent back at review",
    "policy.text": (
        "*Wako City Citizen Collaboration Center SNS policy (summary)*\n"
        "• Posts need the division chief's approval (5).\n"
        "• Information already online is posted with its URL (4).\n"
        "• Followers and shares are never blocked (7, 8).\n"
        "• Comments and replies are not answered (9).\n"
        "• Private messages are not used (10).\n"
        "• Prohibited posts may be removed or blocked without notice (11)."
    ),
    "policy.url": "Full policy: {url}",
    "policy.dates": "Approved {approved} (16 March 2017), revised {revised} (5 September 2019)",
    "policy.url_unset": "The address where the policy is published (the center's website) is not set: ask an administrator to set SNSBOT_POLICY_URL (policy 12).",
    "home.title": "SNS approvals",
    "home.pending": "Awaiting your approval",
    "home.to_review": "Waiting for your review",
    "home.mine": "Your recent drafts",
    "home.none": "None.",
    "home.more": "{count} more",
    "home.new_draft": "New draft",
}
