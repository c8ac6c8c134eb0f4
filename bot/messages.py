"""The message catalogue: every text users see, in Japanese (default) and English."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

JST = timezone(timedelta(hours=9), "JST")  # Japan keeps no daylight saving time

JA: dict[str, str] = {
    # Draft form
    "modal.title": "SNS投稿の下書き",
    "modal.submit": "決裁に回す",
    "modal.close": "キャンセル",
    "field.body": "本文",
    "field.body_hint": "Facebook とブログにはこの本文が載ります。",
    "field.x_text": "X 用の文（任意）",
    "field.x_text_hint": "本文が X の 280 字（全角 140 字）に収まらないときに入力します。URL は自動で付きます。",
    "field.blog_title": "ブログのタイトル（任意）",
    "field.blog_title_hint": "空欄なら本文の 1 行目を使います。",
    "field.url": "URL",
    "field.url_hint": "既にインターネット上にある情報は、その URL を入れてください（方針 4）。",
    "field.channels": "投稿先",
    "field.source": "情報の区分（方針 5）",
    "field.category": "発信する情報（方針 4）",
    "field.group": "依頼元の登録団体",
    "field.group_hint": "区分が「登録団体からの依頼」のときは必須です。",
    "field.publish_at": "投稿日時（任意）",
    "field.publish_at_hint": "空欄なら承認後すぐに投稿します。",
    "field.images": "画像（任意、4 枚まで）",
    "channel.x": "X（旧 Twitter）",
    "channel.facebook": "Facebook ページ",
    "channel.blog": "ブログ",
    "channel.dry_run_suffix": "（テスト: 実際には投稿しません）",
    "source.new": "新しい情報",
    "source.hp_update": "センターHPの更新",
    "source.cross_post": "センターSNSの投稿を他のSNSへ",
    "source.group_request": "登録団体からの依頼",
    "source.other": "その他の市民活動・協働の情報",
    "source_rule.new": "方針 5(1): 課長の決裁を得て発信します。",
    "source_rule.hp_update": "方針 5(2): 更新情報へのリンクを含む原稿案で決裁を得ます。",
    "source_rule.cross_post": "方針 5(3): 5(2) の例により、元の投稿の URL を付けて発信します。",
    "source_rule.group_request": "方針 5(4): 登録団体の原稿案を添え、5(2) の例により発信します。",
    "source_rule.other": "方針 5(5): 5(2) の例により発信します。",
    "category.civic": "市民活動・協働に関する情報",
    "category.other": "その他課長が必要と認める情報",
    # Validation errors
    "error.body_required": "本文を入力してください。",
    "error.body_too_long": "本文が長すぎます（{max} 字まで）。",
    "error.control_chars": "本文に使えない制御文字が含まれています。",
    "error.channels_required": "投稿先を 1 つ以上選んでください。",
    "error.channel_unknown": "選べない投稿先が含まれています。",
    "error.source_unknown": "情報の区分を選んでください。",
    "error.category_unknown": "発信する情報の種類を選んでください。",
    "error.url_invalid": "URL は http:// または https:// で始まる正しい形で入力してください。",
    "error.url_required": "この区分では元の情報の URL が必要です（方針 4・5）。",
    "error.group_required": "依頼元の登録団体名を入力してください。",
    "error.too_long": "長すぎます（{max} 字まで）。",
    "error.x_too_long": "X の文字数が {weight} / {max} で上限を超えています（全角は 2、URL は 23 と数えます）。「X 用の文」に短い文を入れてください。",
    "error.x_invalid": "X に投稿できない文字が含まれています。",
    "error.publish_at_past": "投稿日時が過去です。これからの日時を選んでください。",
    "error.too_many_images": "画像は {max} 枚までです。",
    "error.reason_required": "差し戻しの理由を入力してください。",
    "error.save_failed": "保存できませんでした。少し待ってからもう一度「決裁に回す」を押してください（入力内容はそのままです）。",
    "error.already_decided_modal": "この下書きは既に{decision}されています（{who}、{when}）。",
    # Approval card
    "card.header": "決裁依頼 #{id}（第 {revision} 版）",
    "card.fallback": "決裁依頼 #{id}: {excerpt}",
    "card.author": "起案者",
    "card.source": "区分",
    "card.category": "情報",
    "card.url": "URL",
    "card.no_url": "（なし）",
    "card.group": "依頼元団体",
    "card.publish_at": "投稿日時",
    "card.publish_now": "承認後すぐ",
    "card.images": "画像",
    "card.images_count": "{count} 枚",
    "card.preview_x": "*X*（{weight} / {max}）",
    "card.preview_facebook": "*Facebook*",
    "card.preview_blog": "*ブログ*: {title}",
    "card.truncated": "…（長いため省略。全文は「全文を見る」から）",
    "card.dry_run": "🧪 テスト投稿（実際には投稿しません）",
    "card.approved": "✅ {who} が {when} に承認しました。",
    "card.rejected": "↩️ {who} が {when} に差し戻しました。理由: {reason}",
    "card.withdrawn": "取り下げられました。",
    "button.approve": "承認",
    "button.reject": "差し戻し",
    "button.full_text": "全文を見る",
    "button.retry": "失敗した投稿先に再送",
    "full.title": "下書き #{id} の全文",
    "full.close": "閉じる",
    # Publication states
    "pub.queued": "⏳ {channel}: 投稿待ち",
    "pub.scheduled": "⏰ {channel}: {when} に投稿予定",
    "pub.retrying": "⏳ {channel}: {when} に再送します（{error}）",
    "pub.sending": "⏳ {channel}: 投稿中",
    "pub.published": "✅ {channel}: <{url}|投稿を見る>",
    "pub.published_no_url": "✅ {channel}: 投稿しました",
    "pub.dry_run": "🧪 {channel}: テスト投稿（実際には投稿していません）",
    "pub.failed": "❌ {channel}: {error}",
    "pub.error.gave_up": "何度か再送しましたが投稿できませんでした。時間をおいて「再送」を押してください。",
    "pub.error.unknown": "投稿先でエラーが起きました。管理者に連絡してください。",
    "pub.error.unavailable": "投稿先が設定されていません。管理者に連絡してください。",
    # Reject modal
    "reject.title": "差し戻し",
    "reject.submit": "差し戻す",
    "reject.close": "キャンセル",
    "reject.intro": "下書き #{id} を差し戻します。起案者に理由が伝わります。",
    "reject.reason": "差し戻しの理由",
    # Direct messages to the author
    "dm.submitted": "下書き #{id} を課長の決裁に回しました。結果はこのチャットでお知らせします。",
    "dm.rejected": "下書き #{id} は {who} により差し戻されました。\n理由: {reason}",
    "dm.results": "下書き #{id} の投稿結果です。",
    "dm.results_partial": "一部の投稿先で失敗しました。内容を確認して「再送」を押してください。",
    # Refusals and replies
    "refuse.not_chief": "この操作は課長だけが行えます。操作の試みは決裁簿に記録しました。",
    "refuse.already_decided": "下書き #{id} は既に {who} が {when} に{decision}しています。",
    "refuse.not_operator": "あなたは SNS の運用者として登録されていません。課長（{chief}）に登録を依頼してください（管理者は `snsbot roles set <SlackユーザーID> operator` で追加できます）。",
    "refuse.no_chief": "課長がまだ登録されていません。管理者が SNSBOT_CHIEF を設定してください。",
    "refuse.not_author_or_chief": "この操作は起案者か課長だけが行えます。",
    "refuse.not_found": "下書き #{id} が見つかりません。",
    "refuse.nothing_to_retry": "下書き #{id} に再送が必要な投稿先はありません。",
    "retry.queued": "下書き #{id} の失敗した投稿先（{channels}）を再送します。",
    "error.internal": "処理中に問題が起きました。少し待ってからもう一度お試しください。続く場合は管理者に連絡してください。",
    "decision.approved": "承認",
    "decision.rejected": "差し戻し",
    "decision.withdrawn": "取り下げ",
    # Slash command
    "help.text": (
        "*SNS 投稿の決裁ボット — 使い方*\n"
        "• `/sns` — 下書きフォームを開きます\n"
        "• `/sns draft 本文` — 本文を入れた状態で下書きフォームを開きます\n"
        "• `/sns status` — 自分の下書きと状態を表示します\n"
        "• `/sns policy` — センターの SNS 運営方針の要点を表示します\n"
        "• `/sns help` — この説明を表示します\n"
        "下書きは課長の決裁（承認）を得てから、X・Facebook・ブログに投稿されます。"
    ),
    "help.unknown": "`/sns {sub}` というコマンドはありません。",
    "status.header": "あなたの下書き",
    "status.none": "進行中の下書きはありません。",
    "status.line": "#{id} {state} — {excerpt}",
    "state.pending": "決裁待ち",
    "state.approved": "承認済み",
    "state.rejected": "差し戻し",
    "state.withdrawn": "取り下げ",
    "policy.text": (
        "*和光市市民協働推進センター SNS 運営方針（要点）*\n"
        "• 投稿は原則として市民活動推進課長の決裁を得て行います（5）。\n"
        "• 既にインターネット上にある情報は、その URL を付けて投稿します（4）。\n"
        "• フォローやシェアへのブロックはしません（7・8）。\n"
        "• コメントや返信には回答しません（9）。\n"
        "• ダイレクトメッセージ等の非公開機能は使いません（10）。\n"
        "• 禁止する投稿は予告なく削除・ブロックすることがあります（11）。"
    ),
    "policy.url": "方針の全文: {url}",
    # App Home
    "home.title": "SNS 投稿の決裁",
    "home.pending": "あなたの決裁待ち",
    "home.mine": "あなたの最近の下書き",
    "home.none": "ありません。",
    "home.more": "ほか {count} 件",
    "home.new_draft": "下書きを作成",
}

EN: dict[str, str] = {
    "modal.title": "SNS post draft",
    "modal.submit": "Submit",
    "modal.close": "Cancel",
    "field.body": "Body",
    "field.body_hint": "Facebook and the blog get this text.",
    "field.x_text": "Text for X (optional)",
    "field.x_text_hint": "Use when the body does not fit X's 280 weighted characters. The URL is added.",
    "field.blog_title": "Blog title (optional)",
    "field.blog_title_hint": "Empty: the body's first line.",
    "field.url": "URL",
    "field.url_hint": "When the information is already online, give its URL (policy 4).",
    "field.channels": "Post to",
    "field.source": "Source (policy 5)",
    "field.category": "Kind of information (policy 4)",
    "field.group": "Requesting registered group",
    "field.group_hint": "Required when the source is a registered group's request.",
    "field.publish_at": "Publish at (optional)",
    "field.publish_at_hint": "Empty: publish right after approval.",
    "field.images": "Images (optional, up to 4)",
    "channel.x": "X (Twitter)",
    "channel.facebook": "Facebook Page",
    "channel.blog": "Blog",
    "channel.dry_run_suffix": " (test: nothing is posted)",
    "source.new": "New information",
    "source.hp_update": "Center website update",
    "source.cross_post": "Center SNS post to another SNS",
    "source.group_request": "Registered group's request",
    "source.other": "Other civic information",
    "source_rule.new": "Policy 5(1): posted with the chief's approval.",
    "source_rule.hp_update": "Policy 5(2): a draft linking the update, approved by the chief.",
    "source_rule.cross_post": "Policy 5(3): as 5(2), with the original post's URL.",
    "source_rule.group_request": "Policy 5(4): the group's draft attached, as 5(2).",
    "source_rule.other": "Policy 5(5): as 5(2).",
    "category.civic": "Civic activity and collaboration",
    "category.other": "Other, deemed necessary by the chief",
    "error.body_required": "Enter the body.",
    "error.body_too_long": "The body is too long ({max} characters at most).",
    "error.control_chars": "The body contains control characters that cannot be posted.",
    "error.channels_required": "Choose at least one channel.",
    "error.channel_unknown": "A chosen channel is not available.",
    "error.source_unknown": "Choose the source.",
    "error.category_unknown": "Choose the kind of information.",
    "error.url_invalid": "Enter a valid URL starting with http:// or https://.",
    "error.url_required": "This source needs the URL of the original information (policy 4, 5).",
    "error.group_required": "Enter the requesting registered group.",
    "error.too_long": "Too long ({max} characters at most).",
    "error.x_too_long": "X length {weight} / {max} is over the limit (CJK counts 2, a URL 23). Enter a shorter 'Text for X'.",
    "error.x_invalid": "The text contains characters X does not accept.",
    "error.publish_at_past": "The publish time is in the past. Choose a time to come.",
    "error.too_many_images": "{max} images at most.",
    "error.reason_required": "Enter the reason for sending it back.",
    "error.save_failed": "Could not save. Wait a moment and press Submit again (your input is kept).",
    "error.already_decided_modal": "This draft was already {decision} ({who}, {when}).",
    "card.header": "Approval request #{id} (revision {revision})",
    "card.fallback": "Approval request #{id}: {excerpt}",
    "card.author": "Author",
    "card.source": "Source",
    "card.category": "Kind",
    "card.url": "URL",
    "card.no_url": "(none)",
    "card.group": "Requesting group",
    "card.publish_at": "Publish at",
    "card.publish_now": "Right after approval",
    "card.images": "Images",
    "card.images_count": "{count}",
    "card.preview_x": "*X* ({weight} / {max})",
    "card.preview_facebook": "*Facebook*",
    "card.preview_blog": "*Blog*: {title}",
    "card.truncated": "… (shortened; see 'Full text')",
    "card.dry_run": "🧪 Test post (nothing is really posted)",
    "card.approved": "✅ Approved by {who} at {when}.",
    "card.rejected": "↩️ Sent back by {who} at {when}. Reason: {reason}",
    "card.withdrawn": "Withdrawn.",
    "button.approve": "Approve",
    "button.reject": "Reject",
    "button.full_text": "Full text",
    "button.retry": "Retry failed channels",
    "full.title": "Draft #{id} in full",
    "full.close": "Close",
    "pub.queued": "⏳ {channel}: waiting",
    "pub.scheduled": "⏰ {channel}: scheduled for {when}",
    "pub.retrying": "⏳ {channel}: retrying at {when} ({error})",
    "pub.sending": "⏳ {channel}: posting",
    "pub.published": "✅ {channel}: <{url}|view post>",
    "pub.published_no_url": "✅ {channel}: posted",
    "pub.dry_run": "🧪 {channel}: test post (nothing was posted)",
    "pub.failed": "❌ {channel}: {error}",
    "pub.error.gave_up": "Several retries failed. Wait a while, then press Retry.",
    "pub.error.unknown": "The platform returned an error. Contact the administrator.",
    "pub.error.unavailable": "This channel is not configured. Contact the administrator.",
    "reject.title": "Send back",
    "reject.submit": "Send back",
    "reject.close": "Cancel",
    "reject.intro": "Sending draft #{id} back. The author will see the reason.",
    "reject.reason": "Reason",
    "dm.submitted": "Draft #{id} was sent to the chief for approval. Results will follow here.",
    "dm.rejected": "Draft #{id} was sent back by {who}.\nReason: {reason}",
    "dm.results": "Results for draft #{id}.",
    "dm.results_partial": "Some channels failed. Check and press Retry.",
    "refuse.not_chief": "Only the chief can do this. The attempt was recorded in the register.",
    "refuse.already_decided": "Draft #{id} was already {decision} by {who} at {when}.",
    "refuse.not_operator": "You are not registered as an SNS operator. Ask the chief ({chief}) to add you (an administrator runs `snsbot roles set <Slack user id> operator`).",
    "refuse.no_chief": "No chief is registered yet. The administrator must set SNSBOT_CHIEF.",
    "refuse.not_author_or_chief": "Only the author or the chief can do this.",
    "refuse.not_found": "Draft #{id} was not found.",
    "refuse.nothing_to_retry": "Draft #{id} has no failed channel to retry.",
    "retry.queued": "Retrying the failed channels of draft #{id} ({channels}).",
    "error.internal": "Something went wrong. Try again in a moment; tell the administrator if it persists.",
    "decision.approved": "approved",
    "decision.rejected": "sent back",
    "decision.withdrawn": "withdrawn",
    "help.text": (
        "*SNS approval bot — how to use*\n"
        "• `/sns` — open the draft form\n"
        "• `/sns draft text` — open the form with the text filled in\n"
        "• `/sns status` — your drafts and their state\n"
        "• `/sns policy` — the center's SNS policy in brief\n"
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
    "home.title": "SNS approvals",
    "home.pending": "Awaiting your approval",
    "home.mine": "Your recent drafts",
    "home.none": "None.",
    "home.more": "{count} more",
    "home.new_draft": "New draft",
}

CATALOGUES = {"ja": JA, "en": EN}


class Messages:
    """Texts in one language: `msg("card.header", id=3)`."""

    def __init__(self, locale: str = "ja"):
        self.locale = locale if locale in CATALOGUES else "ja"
        self._texts = CATALOGUES[self.locale]

    def __call__(self, key: str, **values) -> str:
        return self._texts[key].format(**values)

    def time(self, moment: datetime) -> str:
        """A moment as staff read it: Japan time, to the minute."""
        return moment.astimezone(JST).strftime("%Y-%m-%d %H:%M")
