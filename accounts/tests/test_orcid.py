"""ORCID iDs: the check digit catches a mistyped or swapped digit; the canonical form is kept."""

import pytest
from django.core.exceptions import ValidationError

from accounts.orcid import orcid_check_digit, orcid_normalised


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("0000-0002-1825-0097", "0000-0002-1825-0097"),  # ORCID's own example
        ("https://orcid.org/0000-0001-5109-3700", "0000-0001-5109-3700"),
        ("  0000-0002-1694-233x ", "0000-0002-1694-233X"),  # check digit 10 is X
    ],
)
def test_valid_ids_are_kept_in_their_canonical_form(given, canonical):
    assert orcid_normalised(given) == canonical


@pytest.mark.parametrize(
    ("given", "why"),
    [
        ("0000-0002-1825-0098", "check digit"),  # the last digit mistyped
        ("0000-0002-1852-0097", "check digit"),  # two digits swapped
        ("0000-0002-1825-009", "has the form"),
        ("0000 0002 1825 0097", "has the form"),
        ("０000-0002-1825-0097", "has the form"),  # a full-width digit
        ("", "has the form"),
    ],
)
def test_wrong_ids_are_refused_with_the_reason(given, why):
    with pytest.raises(ValidationError) as refused:
        orcid_normalised(given)
    assert why in refused.value.messages[0]


def test_the_check_digit_is_iso_7064_mod_11_2():
    assert orcid_check_digit("000000021825009") == "7"
    assert orcid_check_digit("000000021694233") == "X"
