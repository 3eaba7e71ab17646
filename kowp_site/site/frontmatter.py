"""Front matter: split a Markdown file's YAML header off and read its values, collecting every problem.

Used by :mod:`kowp_site.site.content` for posts and pages; a reader reports all problems of a run
at once, each with the file and, where it can tell, the line.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from kowp_site.errors import Problem, display_path
from kowp_site.site.config import Config

CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in XML 1.0, so not in any feed


def has_alias(text: str) -> bool:
    """Whether YAML text uses an alias; aliases can expand a few lines into gigabytes."""
    try:
        return any(isinstance(e, yaml.AliasEvent) for e in yaml.parse(text, Loader=yaml.CSafeLoader))
    except yaml.YAMLError:
        return False  # the loader reports the syntax error with its line


_YAML_HANDLER = frontmatter.YAMLHandler()  # stateless: detects and splits "---" front matter
_KEY_LINE = re.compile(r"([A-Za-z_][\w-]*)\s*:")  # a top-level "key:" line (for problem line numbers)


class Reader:
    """Collects problems while reading files, so one run reports all of them."""

    def __init__(self, config: Config):
        self.config = config
        self.root = config.root
        self.problems: list[Problem] = []

    def problem(self, path: Path, line: int | None, message: str, hint: str = "", severity: str = "error") -> None:
        self.problems.append(Problem(display_path(path, self.root), line, message, hint, severity))

    def split(self, path: Path, data: bytes) -> tuple[dict[str, Any], str, dict[str, int], int] | None:
        """Front matter and body of one file, with the line of each key. None on a fatal problem."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.problem(path, None, f"not UTF-8 text (byte {exc.start})", "save the file as UTF-8")
            return None
        text = text.lstrip("\ufeff").replace("\r\n", "\n")
        handler = _YAML_HANDLER
        if not handler.detect(text):
            self.problem(path, 1, "missing front matter", "start the file with a '---' line and the keys")
            return None
        try:
            fm_text, body = handler.split(text)
        except ValueError:
            self.problem(path, 1, "front matter is not closed", "end it with a '---' line")
            return None
        if "*" in fm_text and has_alias(fm_text):
            self.problem(path, 1, "front matter uses YAML aliases (*name)", "write each value out in full")
            return None
        try:
            meta = yaml.load(fm_text, Loader=yaml.CSafeLoader) if fm_text.strip() else {}
        except yaml.YAMLError as exc:
            # Where an unclosed bracket or quote began is more useful than where the file ended.
            mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else 1
            what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            self.problem(
                path,
                line,
                f"front matter is not valid YAML: {what}",
                "check quotes and indentation",
            )
            return None
        if not isinstance(meta, dict):
            self.problem(path, 2, "front matter must be 'key: value' lines")
            return None
        lines: dict[str, int] = {}
        for n, line in enumerate(fm_text.split("\n"), start=1):
            m = _KEY_LINE.match(line)
            if m and m.group(1) not in lines:
                lines[m.group(1)] = n
        stripped = body.lstrip("\n")
        body_line = text[: len(text) - len(stripped)].count("\n") + 1
        return {str(k): v for k, v in meta.items()}, stripped, lines, body_line

    def string(
        self,
        path: Path,
        meta: dict[str, Any],
        lines: dict[str, int],
        key: str,
        *,
        required: bool = True,
    ) -> str:
        value = meta.get(key)
        if value is None:
            if required:
                self.problem(
                    path,
                    1 if not lines else max(lines.values()),
                    f"'{key}' is missing",
                    f"add a '{key}:' line",
                )
            return ""
        if isinstance(value, (dt.date, int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.problem(path, lines.get(key), f"'{key}' must be text")
            return ""
        if required and not value.strip():
            self.problem(path, lines.get(key), f"'{key}' is empty", f"give the post a {key}")
        if CONTROL_RE.search(value):
            self.problem(
                path, lines.get(key), f"'{key}' contains control characters", "remove them; feeds cannot carry them"
            )
            return ""
        return value.strip()

    def flag(self, path: Path, meta: dict[str, Any], lines: dict[str, int], key: str) -> bool:
        """A true/false key; anything else (such as the text "false") is reported, not guessed."""
        value = meta.get(key, False)
        if isinstance(value, bool):
            return value
        self.problem(path, lines.get(key), f"'{key}' must be true or false, not {str(value)[:40]!r}")
        return False

    def strings(self, path: Path, meta: dict[str, Any], lines: dict[str, int], key: str) -> tuple[str, ...]:
        value = meta.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(x, (str, int)) and not isinstance(x, bool) for x in value):
            self.problem(
                path,
                lines.get(key),
                f"'{key}' must be a list of names",
                f"write {key}: [name1, name2]",
            )
            return ()
        if any(CONTROL_RE.search(str(x)) for x in value):
            self.problem(
                path, lines.get(key), f"'{key}' contains control characters", "remove them; feeds cannot carry them"
            )
            return ()
        return tuple(str(x).strip() for x in value if str(x).strip())

    def unknown(self, path: Path, meta: dict[str, Any], lines: dict[str, int], known: tuple[str, ...]) -> None:
        for key in meta:
            if key not in known:
                self.problem(
                    path,
                    lines.get(key),
                    f"unknown key '{key}'",
                    f"known keys: {', '.join(known)}",
                    "warning",
                )

    def datetime_value(self, path: Path, meta: dict[str, Any], lines: dict[str, int], key: str) -> dt.datetime | None:
        """An ISO 8601 date-time with offset, or (for ``translated``) a plain date."""
        value = meta.get(key)
        line = lines.get(key)
        if isinstance(value, dt.datetime):
            when = value
        elif isinstance(value, dt.date):
            when = dt.datetime(value.year, value.month, value.day, tzinfo=self.config.tz)
        elif isinstance(value, str):
            try:
                when = dt.datetime.fromisoformat(value.strip())
            except ValueError:
                self.problem(
                    path,
                    line,
                    f"'{key}' is not a date: {value!r}",
                    "use 2026-08-27 or 2026-08-27T10:00:00+09:00",
                )
                return None
        else:
            self.problem(path, line, f"'{key}' is not a date", "use 2026-08-27 or 2026-08-27T10:00:00+09:00")
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=self.config.tz)
        return when.astimezone(self.config.tz)
