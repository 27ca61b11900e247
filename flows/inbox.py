"""Which files a run reads."""

from __future__ import annotations

from pathlib import Path


def inbox_files(inbox: Path) -> list[tuple[Path, str]]:
    """Every regular file under INBOX (recursively, hidden files skipped), sorted, with its
    inbox-relative name. The name is the file's identity in every output."""
    if not inbox.is_dir():
        raise SystemExit(f"inbox {inbox} is not a folder")
    files = []
    for path in sorted(inbox.rglob("*")):
        relative = path.relative_to(inbox)
        if path.is_file() and not any(part.startswith(".") for part in relative.parts):
            files.append((path, relative.as_posix()))
    return files
