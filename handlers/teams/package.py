"""Builds the Teams app package (the zip an admin uploads): appPackage/ with the app id filled in."""

from __future__ import annotations

import json
import os
import re
import zipfile
from pathlib import Path
from typing import Any

#: The app package sources: manifest.json, its localization files and the two icons.
APP_PACKAGE = Path(__file__).resolve().parents[2] / "appPackage"
#: What appPackage/*.json say where the app id goes (the Teams Toolkit placeholder syntax).
APP_ID_PLACEHOLDER = "${{TEAMS_APP_ID}}"
#: The zip's name when `write_package` is given a directory.
DEFAULT_NAME = "snsbot-teams.zip"

_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_VERSION = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")  # the schema's
_PLACEHOLDER = re.compile(r"\$\{\{[^}]*\}\}")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed, so the same inputs give the same zip


def load_manifest(source: Path | None = None) -> dict[str, Any]:
    """appPackage/manifest.json as committed (placeholders left in)."""
    return json.loads(((source or APP_PACKAGE) / "manifest.json").read_text(encoding="utf-8"))


def package_files(
    app_id: str, *, version: str | None = None, source: Path | None = None
) -> dict[str, bytes]:
    """Name → bytes of every file of the package, the app id substituted in each JSON file.

    Raises ValueError when `app_id` is not a GUID, `version` is not "X.Y.Z", a file the
    manifest names is missing, or a `${{…}}` placeholder is left over.
    """
    app_id = app_id.strip()
    if not _GUID.fullmatch(app_id):
        raise ValueError(
            f"The Teams app id must be a GUID like 00000000-0000-0000-0000-000000000000 "
            f"(the bot's Microsoft Entra application (client) id), not {app_id!r}"
        )
    if version is not None and not _VERSION.fullmatch(version):
        raise ValueError(f"The app version must look like 1.0.0, not {version!r}")
    source = source or APP_PACKAGE
    manifest = json.loads(_substituted(source / "manifest.json", app_id))
    if version is not None:
        manifest["version"] = version
    files = {"manifest.json": _dump(manifest)}
    names = [manifest["icons"]["color"], manifest["icons"]["outline"]]
    names += [
        lang["file"] for lang in manifest.get("localizationInfo", {}).get("additionalLanguages", [])
    ]
    for name in names:
        path = source / name
        if not path.is_file():
            raise ValueError(f"manifest.json names {name!r}, which is not in {source}")
        if name.endswith(".json"):
            files[name] = _dump(json.loads(_substituted(path, app_id)))
        else:
            files[name] = path.read_bytes()
    return files


def write_package(
    out: Path, app_id: str, *, version: str | None = None, source: Path | None = None
) -> Path:
    """Write the app package zip to `out` (or `out`/snsbot-teams.zip if it is a directory).

    The files sit at the zip's root, as Teams requires. Returns the path written.
    """
    files = package_files(app_id, version=version, source=source)
    out = Path(out)
    if out.is_dir():
        out = out / DEFAULT_NAME
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    os.replace(partial, out)
    return out


def _substituted(path: Path, app_id: str) -> str:
    text = path.read_text(encoding="utf-8").replace(APP_ID_PLACEHOLDER, app_id)
    left = _PLACEHOLDER.search(text)
    if left:
        raise ValueError(f"{path.name} has a placeholder snsbot does not fill: {left.group()}")
    return text


def _dump(obj: Any) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
