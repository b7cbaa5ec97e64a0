"""ORCID iDs: the form ``0000-0002-1825-0097`` whose last character is an ISO 7064 MOD 11-2
check digit (https://support.orcid.org/hc/en-us/articles/360006897674). A mistyped digit or two
swapped digits fail the check, so a wrong iD is refused before anyone links to it."""

import re

from django.core.exceptions import ValidationError

ORCID_FORM = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")
URL_PREFIXES = ("https://orcid.org/", "http://orcid.org/", "orcid.org/")


def orcid_check_digit(base_digits: str) -> str:
    """The check character of the first 15 digits (ISO 7064 MOD 11-2)."""
    total = 0
    for digit in base_digits:
        total = (total + int(digit)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def orcid_normalised(value: str) -> str:
    """The iD in its canonical form (upper-case X, without the https://orcid.org/ prefix),
    or ``ValidationError`` saying what is wrong."""
    text = value.strip()
    for prefix in URL_PREFIXES:
        if text.lower().startswith(prefix):
            text = text[len(prefix) :]
            break
    text = text.upper()
    if not text.isascii() or not ORCID_FORM.match(text):
        raise ValidationError(
            "an ORCID iD has the form 0000-0002-1825-0097 (16 digits in groups of four, the "
            "last may be X)",
            code="orcid_form",
        )
    digits = text.replace("-", "")
    if orcid_check_digit(digits[:15]) != digits[15]:
        raise ValidationError(
            f"{text} is not a valid ORCID iD: its check digit does not match (a digit is "
            "probably mistyped)",
            code="orcid_checksum",
        )
    return text


def validate_orcid(value: str) -> None:
    """A model field validator (empty means none given)."""
    if value:
        orcid_normalised(value)
