import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.identifiers import (
    InvalidIdentifier,
    luhn_check_digit,
    luhn_valid,
    normalise_health_card,
    normalise_postal_code,
    normalise_version_code,
)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("1234567897", "1234567897"), ("1234 567 897", "1234567897"), ("1234-567-897", "1234567897")],
)
def test_a_valid_health_card_number_is_kept_as_its_ten_digits(typed, stored):
    assert normalise_health_card(typed) == stored


@pytest.mark.parametrize("typed", ["1234567898", "1234567890", "9876543210"])
def test_a_health_card_number_with_a_wrong_check_digit_is_refused(typed):
    with pytest.raises(InvalidIdentifier, match="check digit"):
        normalise_health_card(typed)


@pytest.mark.parametrize("typed", ["123456789", "12345678901", "12345678AB", ""])
def test_a_health_card_number_must_have_ten_digits(typed):
    with pytest.raises(InvalidIdentifier, match="10 digits"):
        normalise_health_card(typed)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_the_check_digit_completes_every_nine_digits_and_a_typo_breaks_it(first_nine):
    card = first_nine + luhn_check_digit(first_nine)
    assert normalise_health_card(card) == card
    # Luhn catches every single-digit typo.
    wrong = str((int(card[0]) + 1) % 10) + card[1:]
    assert not luhn_valid(wrong)


@pytest.mark.parametrize(("typed", "stored"), [("", ""), ("ab", "AB"), (" k ", "K")])
def test_the_version_code_is_zero_to_two_letters_in_capitals(typed, stored):
    assert normalise_version_code(typed) == stored


@pytest.mark.parametrize("typed", ["ABC", "A1", "12"])
def test_a_version_code_with_digits_or_three_letters_is_refused(typed):
    with pytest.raises(InvalidIdentifier):
        normalise_version_code(typed)


@pytest.mark.parametrize(
    ("typed", "stored"), [("k7l3n6", "K7L 3N6"), ("K7L 3N6", "K7L 3N6"), (" k7p 2y8 ", "K7P 2Y8")]
)
def test_postal_codes_are_stored_in_capitals_with_one_space(typed, stored):
    assert normalise_postal_code(typed) == stored


@pytest.mark.parametrize("typed", ["K7L3N", "12345", "D7L 3N6", "K7L-3N6X", "W1A 1A1"])
def test_a_malformed_postal_code_is_refused(typed):
    with pytest.raises(InvalidIdentifier, match="postal code"):
        normalise_postal_code(typed)
