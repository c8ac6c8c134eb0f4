"""The Teams app package: manifest ↔ handlers/teams/ids.py, Teams' limits, the zip and its icons."""

from __future__ import annotations

import json
import shutil
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from handlers.teams import ids
from handlers.teams.package import APP_PACKAGE, load_manifest, package_files, write_package

APP_ID = "3f2b8c1e-5d4a-4e7b-9c1f-0a1b2c3d4e5f"
ZIP_FILES = {"manifest.json", "color.png", "outline.png", "en-us.json"}

MANIFEST = load_manifest()
EN_US = json.loads((APP_PACKAGE / "en-us.json").read_text(encoding="utf-8"))


def _commands(manifest: dict) -> list[dict]:
    (bot,) = manifest["bots"]
    (command_list,) = bot["commandLists"]
    assert command_list["scopes"] == ["personal"]
    return command_list["commands"]


def _png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and RGBA rows of an 8-bit RGBA, non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, color_type, _, _, interlace = header
    assert (depth, color_type, interlace) == (8, 6, 0), "the test reads 8-bit RGBA only"
    raw, stride, rows, prev = zlib.decompress(idat), width * 4, [], bytes(width * 4)
    for y in range(height):
        kind, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for i in range(stride):
            a = line[i - 4] if i >= 4 else 0
            b, c = prev[i], prev[i - 4] if i >= 4 else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        prev = bytes(line)
    return width, height, rows


# -- the manifest ↔ the bot ---------------------------------------------------------------------


def test_personal_command_list_is_the_bots_commands_in_order() -> None:
    assert [c["title"] for c in _commands(MANIFEST)] == list(ids.COMMANDS)
    # "team": added to a team, the bot can post the approval and moderation channels' cards.
    assert MANIFEST["bots"][0]["scopes"] == ["personal", "team"]


def test_english_menu_inserts_the_same_command_words() -> None:
    # A command-menu pick sends its title as the message, so every language keeps the words.
    titles = [
        EN_US[f"bots[0].commandLists[0].commands[{i}].title"] for i in range(len(ids.COMMANDS))
    ]
    assert titles == list(ids.COMMANDS)


def test_message_extension_is_one_action_command_opening_a_dialog() -> None:
    (extension,) = MANIFEST["composeExtensions"]
    assert extension["botId"] == MANIFEST["bots"][0]["botId"]
    (command,) = extension["commands"]
    assert command["id"] == ids.ME_DRAFT
    assert command["type"] == "action"
    assert command["fetchTask"] is True
    assert command["context"] == ["compose", "commandBox", "message"]
    assert command["title"] == "SNS下書き"


def test_japanese_by_default_with_an_english_localization() -> None:
    info = MANIFEST["localizationInfo"]
    assert info["defaultLanguageTag"] == "ja-jp"
    assert info["additionalLanguages"] == [{"languageTag": "en-us", "file": "en-us.json"}]
    # Every localized key replaces a string the manifest has.
    for key in EN_US:
        if key == "$schema":
            continue
        node = MANIFEST
        for part in key.replace("[", ".").replace("]", "").split("."):
            node = node[int(part)] if isinstance(node, list) else node[part]
        assert isinstance(node, str), key


@pytest.mark.parametrize("strings", [MANIFEST, EN_US], ids=["ja-jp", "en-us"])
def test_strings_fit_teams_limits(strings: dict) -> None:
    def text(key: str) -> str:
        section, _, field = key.partition(".")
        return strings[key] if key in strings else strings[section][field]

    assert len(text("name.short")) <= 30
    assert len(text("name.full")) <= 100
    assert len(text("description.short")) <= 80
    assert len(text("description.full")) <= 4000
    commands = _commands(MANIFEST)
    assert len(commands) <= 10
    me_commands = MANIFEST["composeExtensions"][0]["commands"]
    for i, command in enumerate(commands):
        prefix = f"bots[0].commandLists[0].commands[{i}]"
        assert len(strings.get(f"{prefix}.title", command["title"])) <= 32
        assert len(strings.get(f"{prefix}.description", command["description"])) <= 128
    for i, command in enumerate(me_commands):
        prefix = f"composeExtensions[0].commands[{i}]"
        assert len(strings.get(f"{prefix}.title", command["title"])) <= 32
        assert len(strings.get(f"{prefix}.description", command["description"])) <= 128


# -- the zip ------------------------------------------------------------------------------------


def test_package_fills_in_the_app_id(tmp_path: Path) -> None:
    path = write_package(tmp_path / "out" / "app.zip", APP_ID, version="1.2.3")
    assert path == tmp_path / "out" / "app.zip"
    with zipfile.ZipFile(path) as zf:
        assert set(zf.namelist()) == ZIP_FILES  # all at the root
        manifest = json.loads(zf.read("manifest.json"))
        texts = [zf.read(name).decode("utf-8") for name in ZIP_FILES if name.endswith(".json")]
    assert manifest["id"] == APP_ID
    assert manifest["bots"][0]["botId"] == APP_ID
    assert manifest["composeExtensions"][0]["botId"] == APP_ID
    assert manifest["version"] == "1.2.3"
    assert manifest["name"]["short"] == MANIFEST["name"]["short"]  # Japanese kept as is
    assert not any("${{" in text for text in texts)


def test_package_into_a_directory_is_reproducible(tmp_path: Path) -> None:
    first = write_package(tmp_path, APP_ID)
    assert first.parent == tmp_path and first.suffix == ".zip"
    data = first.read_bytes()
    assert write_package(tmp_path, APP_ID).read_bytes() == data
    with zipfile.ZipFile(first) as zf:
        assert json.loads(zf.read("manifest.json"))["version"] == MANIFEST["version"]


def test_icons_have_the_sizes_teams_requires() -> None:
    files = package_files(APP_ID)
    assert _png(files["color.png"])[:2] == (192, 192)
    width, height, rows = _png(files["outline.png"])
    assert (width, height) == (32, 32)
    pixels = [row[i : i + 4] for row in rows for i in range(0, len(row), 4)]
    # The outline icon is white on transparent: every pixel is white or fully transparent.
    assert all(p[3] == 0 or p[:3] == b"\xff\xff\xff" for p in pixels)
    assert any(p[3] == 255 for p in pixels) and any(p[3] == 0 for p in pixels)


@pytest.mark.parametrize(
    "app_id",
    [
        "",
        "snsbot",
        "28:" + APP_ID,
        "{" + APP_ID + "}",
        APP_ID.replace("-", ""),
        APP_ID[:-1] + "g",
        "${{TEAMS_APP_ID}}",
    ],
)
def test_an_app_id_that_is_not_a_guid_is_refused(tmp_path: Path, app_id: str) -> None:
    with pytest.raises(ValueError, match="GUID"):
        write_package(tmp_path / "app.zip", app_id)
    assert not list(tmp_path.iterdir())


def test_a_bad_version_is_refused() -> None:
    with pytest.raises(ValueError, match="1.0.0"):
        package_files(APP_ID, version="1.0")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    source = tmp_path / "appPackage"
    shutil.copytree(APP_PACKAGE, source)
    (source / "outline.png").unlink()
    with pytest.raises(ValueError, match="outline.png"):
        package_files(APP_ID, source=source)
