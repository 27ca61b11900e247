"""Reading our curated TOML files with errors that name the file and the key."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """A curated TOML file is unreadable or invalid; the message names the file and the key."""

    def __init__(self, path: Path | str, key: str, problem: str) -> None:
        self.path = str(path)
        self.key = key
        self.problem = problem
        super().__init__(f"{path}: {key}: {problem}" if key else f"{path}: {problem}")


def read_toml(path: Path, error: type[ConfigError]) -> dict[str, Any]:
    """Parse a TOML file, raising `error` (a ConfigError subclass) when it is missing or malformed."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise error(path, "", "file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(path, "", f"invalid TOML: {exc}") from None


def check_keys(
    path: Path, where: str, table: dict[str, Any], allowed: set[str], error: type[ConfigError]
) -> None:
    """Raise for the first key of `table` not in `allowed`."""
    for key in table:
        if key not in allowed:
            raise error(
                path,
                f"{where}.{key}" if where else key,
                f"unknown key (allowed: {', '.join(sorted(allowed))})",
            )


def expect(path: Path, key: str, value: Any, kind: type | tuple[type, ...], error: type[ConfigError]) -> Any:
    """Return `value` when it is of `kind` (bool is not accepted as a number), else raise."""
    is_bool = isinstance(value, bool)
    wants_bool = kind is bool or (isinstance(kind, tuple) and bool in kind)
    if not isinstance(value, kind) or (is_bool and not wants_bool):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise error(path, key, f"expected {names}, got {type(value).__name__} {value!r}")
    return value


def expect_str_list(path: Path, key: str, value: Any, error: type[ConfigError]) -> list[str]:
    """Return `value` when it is a list of strings, else raise."""
    expect(path, key, value, list, error)
    for index, item in enumerate(value):
        expect(path, f"{key}[{index}]", item, str, error)
    return value
