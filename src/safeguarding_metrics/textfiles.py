"""Reading a small settings file a council writes by hand (targets, commentary, report
settings) as text: UTF-8 with or without a byte-order mark, or UTF-16 with its mark (what Excel
saves as "Unicode Text"). Anything else is refused, naming the line of the first byte that is
not UTF-8: decoding it as another encoding could misread a key or a word silently."""

from __future__ import annotations

import codecs
from pathlib import Path

__all__ = ["NotText", "read_text"]


class NotText(ValueError):
    """A file that is not UTF-8 or marked UTF-16 text: ``line`` (of the first byte that is
    not UTF-8; ``None`` for broken UTF-16) and ``detail``, for the caller's own message."""

    def __init__(self, line: int | None, detail: str) -> None:
        super().__init__(detail)
        self.line = line
        self.detail = detail


def read_text(path: Path) -> str:
    """The file's text.

    Raises
    ------
    OSError
        The file cannot be read.
    NotText
        It is neither UTF-8 nor UTF-16 with a byte-order mark.
    """
    raw = path.read_bytes()
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise NotText(None, "not valid UTF-16 text despite its byte-order mark") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise NotText(line, f"not UTF-8 text (byte 0x{raw[exc.start]:02x})") from None
