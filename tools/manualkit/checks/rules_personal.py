"""MK401–MK404: no real-looking personal data in sources or data.

Decision (documented in ``--explain``): a value is reported when it *could be real* —
an 18-digit ID with a valid GB 11643 check digit, an unmasked mobile number, a
Luhn-valid card number, an e-mail address outside the reserved example domains.
Masked placeholders are fine: 138****0000, 110101********1234, 6222 **** **** 1234,
and addresses at example.com / example.org / example.net or the reserved
top-level domains .example / .test / .invalid (RFC 2606).

Mobile numbers are recognised as people write them: 13812345678, 138 1234 5678,
138-1234-5678, and with the country code +86 / 86 / 0086 / (+86) / （+86） in front.
Landline numbers (010-12345678) are not this rule's business: in a bank's manual they are
branch and department numbers, like the service hotlines 95588 and 400-xxx-xxxx.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from pathlib import Path

from manualkit.checks.context import CheckContext
from manualkit.checks.registry import rule
from manualkit.diagnostics import Diagnostic, Location
from manualkit.models import DATA_FILES

#: 18 characters, written whole or grouped 6-8-4 (110105 19900307 123X, 110105-19900307-123X).
_ID_RE = re.compile(r"(?<![\dA-Za-z])\d{6}[ -]?\d{8}[ -]?\d{3}[\dXx](?![\dA-Za-z])")
#: The 15-digit resident ID issued before 1999 (no check digit: its birth date must be valid).
_OLD_ID_RE = re.compile(r"(?<![\dA-Za-z])(?P<province>[1-8]\d)\d{4}(?P<birth>\d{6})\d{3}(?![\dA-Za-z])")
#: GB/T 2260 province codes, the first two digits of every resident ID.
_PROVINCE_CODES = (11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46)
_PROVINCES = frozenset(
    str(code) for code in (*_PROVINCE_CODES, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82)
)
#: Country code in front of a mobile number: +86, 86, 0086, (+86), （+86）, then a separator.
_COUNTRY_CODE = r"(?:(?:\+|00)?86|[(（]\+?86[)）])[- ]?"
#: 1[3-9] and nine more digits, a single space, hyphen or dot allowed between any two (3-4-4,
#: 4-4-3, 138.1234.5678); never a stretch of a longer digit group (a card number, an account).
_MOBILE_RE = re.compile(
    rf"(?<!\d)(?<!\d[- .])(?:{_COUNTRY_CODE})?(?P<number>1[3-9](?:[- .]?\d){{9}})(?![- .]?\d)"
)
#: 16–19 digits, whole or in groups of 3 to 13 (6222 0212 3456 7890 128, 622202 1234567890128).
_CARD_RE = re.compile(r"(?<![\d])(?:\d{16,19}|\d{3,13}(?:[ -]\d{3,13}){1,5})(?![\d])")
#: Card numbers start with an issuer prefix: 3 (Amex, JCB), 4 (Visa), 5 (Mastercard), 6 (UnionPay
#: 62, Discover), 9 (domestic debit, e.g. 9558) or 2221–2720 (Mastercard).  Order numbers and
#: SMS service codes (2024112900000010, 1065502010095581) pass Luhn by chance but are not cards.
_CARD_PREFIX_RE = re.compile(r"^(?:[34569]|22[2-9]\d|2[3-6]\d\d|27[01]\d|2720)")
#: Full-width digits, letters and signs (１３８…, ＋８６) read as the ASCII ones, one for one.
_FULL_WIDTH = str.maketrans({chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)})
_EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_NEWLINE_RE = re.compile(r"\n")
#: What every personal-data pattern contains: 11+ digits (spaces/dashes between groups), or ``@``.
_CANDIDATE_RE = re.compile(r"[\d０-９][\d０-９ \-.－．]{10,}|[@＠]")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_SAFE_DOMAINS = ("example.com", "example.org", "example.net")
_SAFE_TLDS = (".example", ".test", ".invalid", ".localhost")


def valid_resident_id(number: str) -> bool:
    """GB 11643-1999 check digit (ISO 7064 MOD 11-2) of an 18-character resident ID."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def _safe_email(address: str, institution: tuple[str, ...] = ()) -> bool:
    """Reserved example domains, and the institution's own domains (its published mailboxes)."""
    domain = address.rsplit("@", 1)[1].lower()
    allowed = (*_SAFE_DOMAINS, *institution)
    return domain in allowed or domain.endswith(tuple("." + d for d in allowed) + _SAFE_TLDS)


def valid_birth_date(yymmdd: str) -> bool:
    """A real 19YY birth date (the 15-digit IDs were issued to people born in the 1900s)."""
    import datetime as dt

    try:
        dt.date(1900 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6]))
    except ValueError:
        return False
    return True


def scan_line(text: str, institution_domains: tuple[str, ...] = ()) -> Iterator[tuple[str, int, str]]:
    """(code, column index, description) of personal data in one line of text."""
    text = text.translate(_FULL_WIDTH)
    taken: list[tuple[int, int]] = []
    for m in _ID_RE.finditer(text):
        number = re.sub(r"[ -]", "", m.group(0))
        if valid_resident_id(number):
            taken.append(m.span())
            yield "MK401", m.start(), f"resident ID number {number[:6]}…"
    for m in _OLD_ID_RE.finditer(text):
        plausible = m["province"] in _PROVINCES and valid_birth_date(m["birth"])
        if plausible and not any(s < m.end() and m.start() < e for s, e in taken):
            taken.append(m.span())
            yield "MK401", m.start(), f"resident ID number (15-digit) {m.group(0)[:6]}…"
    for m in _CARD_RE.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        if 16 <= len(digits) <= 19 and _CARD_PREFIX_RE.match(digits) and luhn_valid(digits):
            taken.append(m.span())
            yield "MK403", m.start(), f"bank card number {digits[:4]}…"
    for m in _MOBILE_RE.finditer(text):
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        yield "MK402", m.start(), f"mobile number {m['number'][:3]}…"
    for m in _EMAIL_RE.finditer(text):
        if not _safe_email(m.group(0), institution_domains):
            yield "MK404", m.start(), f"e-mail address {m.group(0)}"


#: Template files whose text is printed into the outputs (every checklist, form, page).
_TEMPLATE_SUFFIXES = frozenset({".j2", ".html", ".md", ".txt"})


def _files(ctx: CheckContext) -> Iterator[tuple[str, str]]:
    for doc in ctx.documents:
        yield doc.path, doc.text
    for name in DATA_FILES.values():
        path = ctx.data_dir / name
        try:  # a data file that is not UTF-8 text is the loader's error (DATA009), not a crash here
            text = path.read_text(encoding="utf-8") if path.is_file() else None
        except (OSError, UnicodeDecodeError):
            text = None
        if text is not None:
            yield _rel(ctx, path), text
    templates = ctx.root / "templates"
    for path in sorted(templates.rglob("*")) if templates.is_dir() else []:
        if path.suffix in _TEMPLATE_SUFFIXES and path.is_file():
            try:
                yield _rel(ctx, path), path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue


def _rel(ctx: CheckContext, path: Path) -> str:
    try:
        return path.resolve().relative_to(ctx.root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


_EXPLAIN_TAIL = """
    Why: the manual is distributed widely (intranet, PDF, print); a real customer's data in it is
    a personal-information breach under the Personal Information Protection Law.
    Fix: use a masked placeholder — 138****0000, 110101********1234, 6222 **** **** 1234,
    kefu@example.com — and never copy data from a real case file.
    Scope: every manual/*.md (including code blocks and comments), every data/*.yaml file and the
    templates under templates/ (printed on every form, checklist or page).
"""


@rule(
    "MK404",
    "error",
    "e-mail address in sources",
    "What: an e-mail address outside example.com/.org/.net, the reserved .example/.test/.invalid\n"
    "    domains and the institution's own domains (`institution_email_domains` in data/manual.yaml:\n"
    "    its published mailboxes, e.g. tousu@bank.com.cn, are channels, not personal data)." + _EXPLAIN_TAIL,
    needs_data=False,
)
@rule(
    "MK403",
    "error",
    "bank card number in sources",
    "What: 16–19 digits, whole or grouped (6222 0212 3456 7890, 622202 1234567890128), starting with a\n"
    "    card issuer's prefix (3, 4, 5, 6, 9, 2221–2720) and passing the Luhn check." + _EXPLAIN_TAIL,
    needs_data=False,
)
@rule(
    "MK402",
    "error",
    "mobile phone number in sources",
    "What: an unmasked mainland mobile number 1[3-9]XXXXXXXXX, also grouped with spaces, hyphens or\n"
    "    dots (138 1234 5678, 139-1234-5678, 138.1234.5678, 1381 2345 678) and with a country code\n"
    "    (+86, 0086, (+86)).\n"
    "    Not reported: landline numbers (010-12345678) and service hotlines (95588, 400-xxx-xxxx) —\n"
    "    institutional numbers, not personal data." + _EXPLAIN_TAIL,
    needs_data=False,
)
@rule(
    "MK401",
    "error",
    "resident ID number in sources",
    "What: 18 characters with a valid GB 11643 check digit (a real-looking 居民身份证号码), whole or\n"
    "    grouped 6-8-4; and the 15-digit IDs issued before 1999 (a province code and a valid birth\n"
    "    date).  Full-width digits (１１０…) count as digits." + _EXPLAIN_TAIL,
    needs_data=False,
)
def personal_data(ctx: CheckContext) -> Iterator[Diagnostic]:
    for path, text in _files(ctx):
        for number, line in candidate_lines(text):
            for code, col, what in scan_line(line, ctx.data.meta.institution_email_domains):
                yield Diagnostic(
                    code,
                    "error",
                    f"real-looking personal data: {what} — use a masked placeholder",
                    Location(path, number, col + 1),
                )


def candidate_lines(text: str) -> Iterator[tuple[int, str]]:
    """(1-based number, text) of each line that could hold personal data.

    One cheap pass finds runs of 11+ digits (IDs, mobiles and cards all have them) and ``@``;
    only those lines are scanned with the exact patterns, instead of every line of every file.
    """
    line_starts: list[int] | None = None
    seen: set[int] = set()
    for m in _CANDIDATE_RE.finditer(text):
        if line_starts is None:
            line_starts = [0, *(n.end() for n in _NEWLINE_RE.finditer(text))]
        index = bisect.bisect_right(line_starts, m.start()) - 1
        if index in seen:
            continue
        seen.add(index)
        start = line_starts[index]
        end = line_starts[index + 1] - 1 if index + 1 < len(line_starts) else len(text)
        yield index + 1, text[start:end]
