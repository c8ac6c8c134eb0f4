"""`/sns report YYYY-MM`: the chief's monthly report, made after the ack and sent to the DM."""

from __future__ import annotations

import tempfile
from pathlib import Path

from bot.features import report
from bot.features.report_files import write_report
from bot.services import Services
from handlers.slack.blocks import esc
from handlers.slack.wiring import AFTER_ACK, SERVICES

COMMAND = "/sns report"


def report_command(ack, client, respond, command: dict, argument: str, context) -> None:
    """Refuse (recorded) or acknowledge at once; the files follow in the asker's DM."""
    services: Services = context[SERVICES]
    msg, user_id = services.msg, command["user_id"]
    try:
        month = report.parse_month(argument)
    except ValueError:
        return ack(text=msg("report.usage", command=COMMAND), response_type="ephemeral")
    with services.session_factory.begin() as session:
        allowed = report.may_ask(session, user_id, "slack", services.clock())
    if not allowed:
        return ack(text=msg("report.refused"), response_type="ephemeral")
    ack(text=msg("report.making", month=month.name), response_type="ephemeral")
    context[AFTER_ACK](send_report, services=services, client=client, respond=respond,
                       body={"user": {"id": user_id}}, month=month)  # fmt: skip
    return None


def send_report(services: Services, client, respond, body: dict, month: report.Month) -> None:
    """Write the files in a temporary folder and upload them to the asker's DM with the bot
    (files.getUploadURLExternal, the upload, files.completeUploadExternal)."""
    msg, user_id = services.msg, body["user"]["id"]
    with tempfile.TemporaryDirectory(prefix="snsbot-report-") as folder:
        with services.session_factory() as session:
            files = write_report(session, month, Path(folder), msg)
        channel = client.conversations_open(users=user_id)["channel"]["id"]
        comment = msg("report.files", month=month.name) + "\n\n" + esc(files.text)
        client.files_upload_v2(
            channel=channel,
            initial_comment=comment,
            file_uploads=[{"file": str(path), "filename": path.name, "title": path.name}
                          for path in (files.summary, files.chart, files.csv)],
        )  # fmt: skip
