"""Text files that are not UTF-8: where the first bad byte is, and what the file probably is.

Writers edit the data files and chapters on Windows, where Notepad and older editors save
Chinese text as GBK (GB 18030) or UTF-16 unless told otherwise.  The data loader
(``manualkit.loader``) and the chapter reader (``manualkit.checks.source``) both report such a
file with the ``line:column`` of the first byte that is not UTF-8 and, when the bytes read as
another encoding, which one — one message, one place.  Pure functions, no I/O.
"""

from __future__ import annotations

import dataclasses

#: The UTF-8 byte-order mark Windows Notepad writes at the start of a file.
BOM = b"\xef\xbb\xbf"


@dataclasses.dataclass(frozen=True)
class NotUtf8:
    """Why a file is not UTF-8 text, at the 1-based ``line`` and ``column`` of its first bad byte.

    ``fallback`` is the file decoded as well as it can be: as the guessed encoding when it reads
    as one, else as UTF-8 with U+FFFD for the bad bytes.
    """

    message: str
    line: int
    column: int
    fallback: str


def universal_newlines(text: str) -> str:
    """Line ends read as ``\\n`` whatever the file uses (like ``open()`` in text mode)."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def not_utf8(body: bytes, exc: UnicodeDecodeError) -> NotUtf8:
    """Where ``exc`` (from ``body.decode("utf-8")``) is, what the file probably is, and its best reading.

    ``body`` is the file without its byte-order mark; the line and column count characters, as
    every other position reported for the file does.  A file saved as GBK is named as such; a
    UTF-8 file with Chinese text pasted from a GBK file (UTF-8 Chinese before the bad byte) gets
    the pasted text named instead, read as GBK, since saving it again does not repair it.
    """
    before = universal_newlines(body[: exc.start].decode("utf-8"))
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    guess, fallback = guess_encoding(body)
    pasted = _gbk_run(body, exc.start) if guess is None or _has_cjk(before) else None
    found = f"not UTF-8 text: expected UTF-8, found byte 0x{body[exc.start]:02X}"
    save = "save the file as UTF-8 (Notepad: 另存为 → 编码 UTF-8)"
    if pasted:
        message = (
            f"{found} (it and the bytes after it read as {pasted!r} in GBK/GB 18030: text pasted from "
            f"a file saved as GBK?); retype {pasted!r} and {save}"
        )
        return NotUtf8(message, line, column, universal_newlines(body.decode("utf-8", errors="replace")))
    message = f"{found}{f' (the file seems to be saved as {guess})' if guess else ''}; {save}"
    return NotUtf8(message, line, column, universal_newlines(fallback))


def _has_cjk(text: str) -> bool:
    """Whether ``text`` holds Chinese characters or full-width punctuation (real UTF-8 Chinese)."""
    return any("\u3000" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef" for char in text)


def _gbk_run(body: bytes, start: int) -> str | None:
    """The text of the GBK bytes at ``body[start:]``, up to where ASCII or UTF-8 text resumes.

    ``None`` when they do not read as printable GBK/GB 18030 text.
    """
    chars: list[str] = []
    pos = start
    while pos < len(body) and body[pos] >= 0x80 and not _utf8_char_at(body, pos):
        for size in (2, 4):
            try:
                chars.append(body[pos : pos + size].decode("gb18030"))
            except UnicodeDecodeError:
                continue
            pos += size
            break
        else:
            return None
    text = "".join(chars)
    return text if text and text.isprintable() else None


def _utf8_char_at(body: bytes, pos: int) -> bool:
    """Whether a (multi-byte) UTF-8 character starts at ``body[pos]``."""
    for size in (2, 3, 4):
        try:
            body[pos : pos + size].decode("utf-8")
        except UnicodeDecodeError:
            continue
        return True
    return False


def guess_encoding(body: bytes) -> tuple[str | None, str]:
    """The encoding a Windows editor most likely saved ``body`` in, and the text read that way."""
    candidates = ["utf-16"] if body.startswith((b"\xff\xfe", b"\xfe\xff")) else []
    for encoding in (*candidates, "gb18030"):
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError:
            continue
        return ("UTF-16" if encoding == "utf-16" else "GBK/GB 18030"), text.lstrip("\ufeff")
    return None, body.decode("utf-8", errors="replace")
