"""Japanese texts: Teams' own, search, the monthly report and App Home."""

TEAMS_AND_HOME: dict[str, str] = {
    "teams.launcher": "SNS 投稿の下書きを作ります。ボタンを押すとフォームが開きます。",
    "teams.open_form": "下書きフォームを開く",
    "teams.publish_at_hint": "空欄なら承認後すぐに投稿します。予約するときは日付と時刻（日本時間）を両方入れてください。",
    "teams.publish_time": "投稿時刻（任意）",
    "teams.publish_at_incomplete": "予約するときは日付と時刻を両方入れてください。",
    "teams.images.how": "画像を付けるときは、フォームを閉じてボットとのチャットに画像を送ってください（{max} 枚まで）。次に開くフォームで添付されます。",
    "teams.images.received": "画像を受け取りました（{count} / {max} 枚）",
    "teams.images.alt": "代替テキスト（画像の説明。見えない方に読み上げられます）",
    "teams.images.alt_required": "代替テキストを入れてください。",
    "teams.images.alt_missing": "画像「{name}」の代替テキストがありません。ボットとのチャットの画像のカードで入れて「代替テキストを保存」を押してください。",
    "teams.images.hint": "次に開く下書きフォームで、これらの画像が添付されます。画像と一緒に送った文は代替テキストになります。",
    "teams.images.saved": "代替テキストを保存しました。次に開く下書きフォームで、これらの画像が添付されます。",
    "teams.images.save": "代替テキストを保存",
    "teams.images.clear": "画像を取り消す",
    "teams.images.cleared": "画像を取り消しました。",
    "teams.images.download_failed": "画像「{name}」を受け取れませんでした。もう一度送ってください。",
    "teams.images.attached": "添付する画像（{count} 枚）",
    "teams.images.no_alt": "（代替テキストなし）",
    "teams.card_for_approvers": "承認・差し戻しのボタンは決裁者にだけ表示されます。表示されないときは「表示を更新」を押してください。",
    "teams.refresh": "表示を更新",
    "teams.preview": "プレビュー",
    "teams.preview.title": "プレビュー（まだ提出していません）",
    "teams.preview.chief": "課長には次のように届きます:",
    "teams.preview.fix": "選択肢にない値があるため、課長に届くカードは表示できません。フォームを直してからもう一度プレビューを押してください。",
    "teams.home.hint": "このチャットを開くと最新の内容に変わります。「更新」でいつでも表示し直せます。",
    "teams.home.item": "#{id} {author} — {excerpt}",
    "teams.home.refresh": "更新",
    "teams.sent": "提出しました（下書き #{id}）。課長の決裁に回り、結果はこのチャットでお知らせします。",
    "teams.sent_route": "提出しました（下書き #{id}）。決裁ルート（確認者の確認のあと課長が決裁）に回り、結果はこのチャットでお知らせします。",
    "teams.sent_again": "この下書きは提出済みです。結果はこのチャットでお知らせします。",
    "teams.not_operator": "あなたは SNS の運用者として登録されていません。課長（{chief}）に登録を依頼してください（管理者は `snsbot roles set --platform teams <ユーザーID> operator` で追加できます）。",
    "teams.not_operator_unnamed": "あなたは SNS の運用者として登録されていません。課長に登録を依頼してください（管理者は `snsbot roles set --platform teams <ユーザーID> operator` で追加できます）。",
    "teams.unknown": "「{text}」というコマンドはありません。`help` と送ると使い方を表示します。",
    "teams.welcome.title": "SNS 投稿の決裁ボットへようこそ",
    "teams.welcome.text": (
        "センターの X・Facebook・ブログへの投稿を、課長の決裁（承認）を経てから投稿するボットです。"
        "決裁の記録は決裁簿に残ります。\n\n"
        "**始め方**\n\n"
        "- 下書きを作る: 下の「下書きフォームを開く」を押すか、このチャットに `sns` と送ります\n"
        "- 自分の下書きの状態: `status`\n"
        "- 使い方: `help`、運営方針の要点: `policy`\n\n"
        "運用者として登録されていない方は、課長に登録を依頼してください。"
    ),
    "teams.help.text": (
        "**SNS 投稿の決裁ボット — 使い方**\n\n"
        "- `sns` — 下書きフォームを開くボタンを表示します（メッセージ作成欄の「SNS下書き」からも開けます）\n"
        "- `sns 本文` — 本文を入れた状態で下書きフォームを開くボタンを表示します\n"
        "- `status` — 自分の下書きと状態を表示します\n"
        "- `home` — ダッシュボード（決裁待ち・予約・失敗した投稿・自分の下書きなど）を表示します\n"
        "- 画像 — このチャットに画像を送ると、次に開く下書きフォームで添付されます（4 枚まで）\n"
        "- `search 言葉` — 過去の下書き・投稿を検索します（`search` だけで条件の書き方）\n"
        "- `report 2026-11` — （課長）月次報告の概要とグラフを表示します\n"
        "- `policy` — センターの SNS 運営方針の要点を表示します\n"
        "- `help` — この説明を表示します\n"
        "- `follow @ユーザー名`・`retweet 投稿のURL`・`like 投稿のURL`・`share FacebookのURL` — フォローなどを課長の決裁に回すフォームを表示します（方針 7・8）\n"
        "- `away on` / `away off` — （課長）不在にする／戻る。不在中は代決者が決裁でき、戻ると代決の一覧（後閲）を表示します\n"
        "- `deputy` — （課長）代決者を指名・変更します\n\n"
        "下書きは課長の決裁（承認）を得てから、X・Facebook・ブログに投稿されます。"
    ),
    "help.text": (
        "*SNS 投稿の決裁ボット — 使い方*\n"
        "• `/sns` — 下書きフォームを開きます\n"
        "• `/sns draft 本文` — 本文を入れた状態で下書きフォームを開きます\n"
        "• `/sns status` — 自分の下書きと状態を表示します\n"
        "• `/sns search 言葉` — 過去の下書き・投稿を検索します（`/sns search` で条件の書き方）\n"
        "• `/sns policy` — センターの SNS 運営方針の要点を表示します\n"
        "• `/sns away on|off` — （課長）不在にする／戻る。不在中は代決者が決裁できます\n"
        "• `/sns report 2026-11` — （課長）月次報告（CSV・概要・グラフ）を DM で受け取ります\n"
        "• `/sns follow @ユーザー名` — X のアカウントのフォローを課長の決裁に回します（方針 7）\n"
        "• `/sns retweet 投稿のURL`・`/sns like 投稿のURL` — X の投稿のリツイート・いいねを決裁に回します\n"
        "• `/sns share FacebookのURL` — Facebook の投稿をページでシェアする決裁に回します（方針 8）\n"
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
    "state.published": "投稿済み",
    "state.failed": "投稿に失敗あり",
    "search.usage": (
        "*過去の下書き・投稿の検索*\n"
        "`{command} 言葉` — 本文・X 用の文・ブログの題名・URL・団体名に言葉を含む下書きを探します（複数の言葉はすべてを含むもの）。\n"
        "条件も書けます: `from:@ユーザー`（`from:me` は自分）・`since:2026-11-01`・`until:2026-11-30`（提出日、日本時間、その日を含む）・"
        "`network:x|facebook|blog`・`state:pending|approved|rejected|sent_back|withdrawn|expired|published|failed`\n"
        "例: `{command} 講座 from:me since:2026-11-01 network:x state:published`\n"
        "新しい順に最大 {limit} 件を表示します。役割（課長・代決者・運用者など）のある人は誰でも、すべての下書きを検索できます。"
    ),
    "search.header": "*検索結果: {count} 件*",
    "search.more": "{limit} 件を超えたため、新しい順に {limit} 件を表示しています。条件を足して絞り込んでください。",
    "search.none": "条件に合う下書きは見つかりませんでした。",
    "search.line": "*#{id}* {state}・<@{author}>・{date}",
    "search.open": "{network}の投稿を開く",
    "search.failed": "失敗: {networks}",
    "search.error.twice": "`{name}:` が二度書かれています。一度だけにしてください。",
    "search.error.network": "`network:{value}` は使えません。{allowed} のどれかを書いてください。",
    "search.error.state": "`state:{value}` は使えません。{allowed} のどれかを書いてください。",
    "search.error.date": "「{value}」は日付として読めません。2026-11-01 のように書いてください。",
    "search.error.person": "「{name}」という登録者が見つかりません。`from:me` か、登録者の名前・ユーザー ID で指定してください。",
    "search.error.range": "`since:` の日付が `until:` の日付より後になっています。",
    "report.usage": "`{command} 2026-11` のように年月を指定してください。月次報告（CSV・概要・グラフ）をこの DM に送ります（課長のみ。課長の不在中は代決者も）。",
    "report.refused": "月次報告を依頼できるのは課長（課長の不在中は代決者）だけです。",
    "report.making": "{month} の月次報告を作成しています。できあがったら DM に送ります。",
    "report.files": "{month} の月次報告です。決裁簿の CSV（Excel で開けます）・概要・週ごとの投稿数のグラフを添付しました。",
    "report.teams_files": "CSV は Teams のチャットでは送れません。管理者が `snsbot report --month {month}` で作成するか、Slack の `/sns report {month}` で受け取ってください。",
    "report.chart_alt": "{month} の週ごとの投稿数（ネットワーク別）",
    "report.title": "# SNS 投稿 月次報告 {month}",
    "report.submitted": "提出された下書き: {count} 件",
    "report.outcomes": "その下書きの状態: {items}",
    "report.by_source": "情報の種類（方針 5）: {items}",
    "report.by_category": "区分（方針 4）: {items}",
    "report.by_group": "登録団体からの依頼: {items}",
    "report.acting": "代決: {count} 件（後閲の対象）",
    "report.approval_time": "提出から承認まで: 中央値 {median}・最長 {longest}",
    "report.duration": "{hours} 時間 {minutes} 分",
    "report.published": "投稿（ネットワーク別）: {items}",
    "report.dry_run": "テスト投稿（実際には投稿していないもの）: {count} 件",
    "report.failures": "投稿の失敗: {items}",
    "report.retries": "再試行: 2 回以上かかった投稿 {retried} 件・再試行ボタン {requests} 回",
    "report.engagements": "フォロー・リツイート・いいね・シェアの依頼: {items}",
    "report.moderation": "コメント等への対応（方針 11）: {items}",
    "report.list_sep": "・",
    "report.none": "なし",
    "state.sent_back": "確認者が差し戻し",
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
    "policy.dates": "{approved}決裁、{revised}改定",
    "policy.url_unset": "方針の公開先（センター HP）の URL が設定されていません。管理者に SNSBOT_POLICY_URL の設定を依頼してください（方針 12）。",
    # App Home
    "home.title": "SNS 投稿の決裁",
    "home.pending": "あなたの決裁待ち",
    "home.to_review": "あなたの確認待ち",
    "home.mine": "あなたの最近の下書き",
    "home.none": "ありません。",
    "home.more": "ほか {count} 件",
    "home.new_draft": "下書きを作成",
}
