"""ID numbers at the gate: GB 11643 resident IDs and the shape of the other documents."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from logbook.idcard import IdType, check_character, mask_id_number, normalize_id_number


def resident(first17: str) -> str:
    return first17 + check_character(first17)


VALID = resident("11010519491231002")  # the GB 11643 worked example: ...002X
WITH_X = "11010519491231002X"


def error_of(id_type: str, value: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        normalize_id_number(id_type, value)
    return caught.value


def test_the_standard_s_worked_example_has_check_character_x():
    assert VALID == WITH_X


def test_a_valid_resident_id_is_accepted_as_is():
    number = resident("44030420000229123")  # born on a leap day
    assert normalize_id_number(IdType.RESIDENT, number) == number


def test_a_lowercase_x_becomes_upper_case_and_spaces_are_dropped():
    assert normalize_id_number(IdType.RESIDENT, " 110105 19491231 002x ") == WITH_X


def test_a_wrong_check_digit_is_refused_with_its_own_message():
    wrong = WITH_X[:-1] + "1"
    error = error_of(IdType.RESIDENT, wrong)
    assert error.code == "id_check"
    with translation.override("en"):
        assert "check digit" in error.messages[0]
        assert wrong not in error.messages[0]  # messages never repeat the number


@pytest.mark.parametrize("value", [WITH_X[:17], WITH_X + "1"], ids=["17 digits", "19 digits"])
def test_seventeen_or_nineteen_characters_are_refused_with_the_count(value):
    error = error_of(IdType.RESIDENT, value)
    assert error.code == "id_length"
    with translation.override("en"):
        assert str(len(value)) in error.messages[0]


def test_a_fifteen_digit_legacy_number_is_refused_with_advice_and_accepted_as_other():
    legacy = "110105491231002"
    error = error_of(IdType.RESIDENT, legacy)
    assert error.code == "id_legacy"
    with translation.override("en"):
        assert "18-digit" in error.messages[0]
    assert normalize_id_number(IdType.OTHER, legacy) == legacy


@pytest.mark.parametrize(
    "first17",
    ["11010520260230001", "11010518991231001", "11010520991231001"],
    ids=["2026-02-30", "before 1900", "in the future"],
)
def test_an_impossible_birth_date_is_refused_even_with_a_right_check_digit(first17):
    assert error_of(IdType.RESIDENT, resident(first17)).code == "id_birth"


def test_letters_inside_a_resident_number_are_refused():
    assert error_of(IdType.RESIDENT, "1101051949123100AX").code == "id_chars"


@pytest.mark.parametrize(
    ("id_type", "good", "bad"),
    [
        (IdType.PASSPORT, "E12345678", "E1234"[:3]),
        (IdType.PASSPORT, "ab 123 4567", "护照123456"),
        (IdType.HK_MACAO, "H12345678", "X12345678"),
        (IdType.HK_MACAO, "M1234567890", "H1234567"),
        (IdType.TAIWAN, "12345678", "1234567"),
        (IdType.TAIWAN, "1234567890", "ABCDEFGH"),
        (IdType.OTHER, "JG-2024-001", "X"),
    ],
)
def test_other_documents_get_shape_checks(id_type, good, bad):
    assert normalize_id_number(id_type, good) == good.replace(" ", "").replace("-", "").upper()
    assert error_of(id_type, bad).code == "id_shape"


def test_an_empty_number_is_required():
    assert error_of(IdType.PASSPORT, "  ").code == "required"


def test_masks_keep_the_first_three_and_last_four():
    assert mask_id_number(WITH_X) == "110***********002X"
    assert mask_id_number("E12345678") == "E******78"
    assert mask_id_number("1234") == "****"
