"""Reading the values sources write by hand: amounts in European formats, dates in words or
digits, yes/no flags. Each parser returns the value or raises :class:`ValueProblem` with a
reason a user can act on (the caller adds the place: file, line, field)."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from decimal import Decimal, InvalidOperation


class ValueProblem(ValueError):
    """A value that cannot be read; the message says why."""


_CURRENCY = re.compile(r"(?i)\s*(€|eur\b|euros?\b)\s*")
_OTHER_CURRENCY = re.compile(r"(?i)(\$|£|¥|\b(usd|gbp|chf|sek|dkk|pln|huf|czk|ron|bgn|nok)\b)")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")


def amount(text: str) -> Decimal:
    """An amount in euros: "€1.832.645", "1 832 645,00 €", "EUR 1,832,645", "1832645.5".

    With both "." and "," the last one is the decimal mark. With one of them only: repeated,
    or followed by exactly three digits, it separates thousands; otherwise it is the decimal
    mark ("1,5" is one and a half, "1.832" one thousand eight hundred and thirty-two: amounts
    on these pages are whole euros far more often than fractions of them).
    """
    raw = text.strip()
    if _OTHER_CURRENCY.search(raw):
        raise ValueProblem(f"{raw!r} is not in euros (the data holds EUR amounts only)")
    digits = _SPACES.sub("", _CURRENCY.sub("", raw))
    if digits.startswith("-"):
        raise ValueProblem(f"{raw!r} is negative")
    if not re.fullmatch(r"[0-9][0-9.,]*", digits) or digits[-1] in ".,":
        raise ValueProblem(f"{raw!r} is not an amount (expected e.g. €1.832.645 or 1 832 645,00)")
    dots, commas = digits.count("."), digits.count(",")
    if dots and commas:
        decimal_mark = "." if digits.rfind(".") > digits.rfind(",") else ","
    elif dots or commas:
        mark = "." if dots else ","
        tail = digits.rsplit(mark, 1)[1]
        decimal_mark = "" if digits.count(mark) > 1 or len(tail) == 3 else mark
    else:
        decimal_mark = ""
    thousands = {".", ","} - {decimal_mark}
    for sep in thousands:
        groups = digits.split(decimal_mark)[0].split(sep) if decimal_mark else digits.split(sep)
        if len(groups) > 1 and (
            not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:])
        ):
            raise ValueProblem(f"{raw!r}: digit groups of uneven size")
        digits = digits.replace(sep, "")
    if decimal_mark:
        whole, fraction = digits.split(decimal_mark)
        if len(fraction) > 2:
            raise ValueProblem(f"{raw!r} has more than two decimals")
        digits = f"{whole}.{fraction}"
    try:
        return Decimal(digits)
    except InvalidOperation as e:  # pragma: no cover - the pattern above rules it out
        raise ValueProblem(f"{raw!r} is not an amount") from e


def money_literal(value: Decimal) -> str:
    """An amount as written in records: always two decimals ("1832645.00")."""
    return f"{value.quantize(Decimal('0.01'))}"


_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS["sept"] = 9
_WEEKDAY = r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|mon|tue|wed|thu|fri|sat|sun)\.?,?\s+"
_DAY_MONTH_YEAR = re.compile(
    rf"(?i)^(?:{_WEEKDAY})?(\d{{1,2}})(?:st|nd|rd|th)?\.?\s+([a-z]+)\.?,?\s+(\d{{4}})$"
)
_MONTH_DAY_YEAR = re.compile(
    rf"(?i)^(?:{_WEEKDAY})?([a-z]+)\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})$"
)
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_NUMERIC = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")  # day first, as in Europe


def date(text: str) -> dt.date:
    """A date: "Friday, 1 April, 2016", "1 April 2016", "April 1, 2016", "2016-04-01",
    "01/04/2016" or "1.4.2016" (day first)."""
    raw = " ".join(text.split())
    for pattern, order in (
        (_ISO, "ymd"),
        (_NUMERIC, "dmy"),
        (_DAY_MONTH_YEAR, "dMy"),
        (_MONTH_DAY_YEAR, "Mdy"),
    ):
        m = pattern.match(raw)
        if not m:
            continue
        parts = dict(zip(order, m.groups(), strict=True))
        month = parts.get("m") or parts.get("M", "")
        if not month.isdigit():
            if month.lower() not in _MONTHS:
                raise ValueProblem(f"{raw!r}: {month!r} is not a month")
            month = str(_MONTHS[month.lower()])
        try:
            return dt.date(int(parts["y"]), int(month), int(parts["d"]))
        except ValueError as e:
            raise ValueProblem(f"{raw!r} is not a date ({e})") from e
    raise ValueProblem(f"{raw!r} is not a date (expected e.g. 1 April 2016 or 2016-04-01)")


_RANGE = re.compile(r"\s+(?:to|until|till|-|\u2013|\u2014)\s+")


def date_range(text: str) -> tuple[dt.date, dt.date]:
    """Two dates: "Friday, 1 April, 2016 to Tuesday, 31 March, 2020"."""
    parts = _RANGE.split(text.strip())
    if len(parts) != 2:
        raise ValueProblem(f"{text.strip()!r} is not a period (expected <start> to <end>)")
    start, end = date(parts[0]), date(parts[1])
    if end < start:
        raise ValueProblem(f"{text.strip()!r}: the end is before the start")
    return start, end


def months(start: dt.date, end: dt.date) -> int:
    """Whole months from ``start`` to ``end`` inclusive (1 April 2016 - 31 March 2020: 48)."""
    after = end + dt.timedelta(days=1)
    return (
        (after.year - start.year) * 12
        + after.month
        - start.month
        + (0 if after.day >= start.day else -1)
    )


_TRUE = {"yes", "y", "true", "1", "x", "ja", "si", "sí", "oui", "tak", "igen"}
_FALSE = {"no", "n", "false", "0", "nein", "non", "nie", "nem"}


def flag(text: str) -> bool:
    """A yes/no value: Yes/No, true/false, 1/0 (and a few European spellings)."""
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueProblem(f"{text.strip()!r} is not yes or no")


def is_flag(text: str) -> bool:
    """Whether ``text`` reads as a yes/no value."""
    return text.strip().lower() in _TRUE | _FALSE


_URL = re.compile(r"^(?:https?://|www\.)\S+$", re.IGNORECASE)


def is_url(text: str) -> bool:
    """Whether ``text`` is a web address (``www.`` included)."""
    return bool(_URL.match(text.strip()))


def url(text: str) -> str:
    """A web address as an http(s) IRI ("www.x.eu" becomes "http://www.x.eu")."""
    raw = text.strip()
    if not is_url(raw) or any(ch in raw for ch in '<>"{}|\\^`'):
        raise ValueProblem(f"{raw!r} is not a web address")
    return raw if raw.lower().startswith("http") else "http://" + raw
