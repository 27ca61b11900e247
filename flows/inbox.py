"""Which files a run reads."""

from __future__ import annotations

from pathlib import Path


def inbox_files(inbox: Path, exclude: Path | None = None) -> list[tuple[Path, str]]:
    """Every regular file under INBOX (recursively, hidden files and the `exclude` folder, i.e.
    an output folder placed inside the inbox, skipped), sorted, with its inbox-relative name.
    The name is the file's identity in every output."""
    if not inbox.is_dir():
        raise SystemExit(f"inbox {inbox} is not a folder")
    skip = exclude.resolve() if exclude is not None else None
    files = []
    for path in sorted(inbox.rglob("*")):
        relative = path.relative_to(inbox)
        if skip is not None and path.resolve().is_relative_to(skip):
            continue
        if path.is_file() and not any(part.startswith(".") for part in relative.parts):
            files.append((path, relative.as_posix()))
    return files
