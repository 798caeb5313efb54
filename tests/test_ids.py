"""ID numbers, phones, normalisation and masking."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from redprop.core import ids

pytestmark = pytest.mark.nodb  # never opens a ledger: no database on PostgreSQL


def test_check_character_of_the_standard_example() -> None:
    # The example ID of GB 11643-1999: 11010519491231002X.
    assert ids.id_check_char("11010519491231002") == "X"
    assert ids.id_checksum_ok("11010519491231002X")
    assert not ids.id_checksum_ok("110105194912310021")


def test_normalize_id_folds_full_width_and_lower_x() -> None:
    assert ids.normalize_id("１１０１０５１９４９１２３１００２x") == "11010519491231002X"
    assert ids.normalize_id(" 110105 19491231 002x\u00a0") == "11010519491231002X"


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_a_computed_check_character_always_verifies(first17: str) -> None:
    assert ids.id_checksum_ok(first17 + ids.id_check_char(first17))


@given(
    st.text(alphabet="0123456789", min_size=17, max_size=17),
    st.sampled_from("0123456789X"),
)
def test_cached_id_checks_agree_with_the_plain_rules(first17: str, last: str) -> None:
    from datetime import date

    value = first17 + last
    checks = ids.IdChecks(date(2026, 11, 21))
    birth = ids.id_birth_date(value)
    plausible = birth is not None and date(1900, 1, 1) <= birth <= date(2026, 11, 21)
    # Twice: once computed, once from what it remembered.
    assert checks.check(value) == (ids.id_checksum_ok(value), plausible)
    assert checks.check(value) == (ids.id_checksum_ok(value), plausible)


def test_non_ascii_digits_are_not_an_id_shape() -> None:
    # Arabic-Indic digits pass str.isdigit() but are not an ID's digits.
    assert not ids.id_shape_ok("١" * 17 + "X")
    assert not ids.id_checksum_ok("١" * 18)


@pytest.mark.parametrize(
    ("phone", "ok"),
    [
        ("13912345678", True),
        ("19912345678", True),
        ("12912345678", False),
        ("1391234567", False),
        ("0937-3221234", True),
        ("09373221234", True),
        ("3221234", False),
    ],
)
def test_phone_validation(phone: str, ok: bool) -> None:
    assert ids.phone_ok(ids.normalize_phone(phone)) is ok


def test_masks_keep_at_most_the_ends() -> None:
    assert ids.mask_id("11010519491231002X") == "110105********002X"
    assert ids.mask_phone("13812345678") == "138****5678"
    assert ids.mask_phone("0937-3221234") == "093*****1234"
    assert ids.mask_id("") == "" and ids.mask_phone(None) == ""


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("5号楼", "5"),
        ("5栋", "5"),
        ("5幢", "5"),
        ("5#", "5"),
        ("第5栋", "5"),
        ("１２号楼", "12"),
        ("A3", "A3"),
    ],
)
def test_building_numbers_are_normalised(text: str, number: str) -> None:
    assert ids.normalize_building(text) == number


def test_unit_numbers_are_normalised() -> None:
    assert ids.normalize_unit("2单元") == "2"
    assert ids.normalize_unit(" ２ ") == "2"


def test_a_mask_hides_enough_whatever_column_the_number_sits_in() -> None:
    # A phone typed into the ID column, an ID typed as a phone, short numbers: at most an ID's
    # 6+4, a phone's 3+4, and never fewer than 4 characters hidden (issue 12).
    assert ids.mask_id("16926214393") == "169****4393"
    assert ids.mask_phone("620981199710148776") == "620981********8776"
    assert ids.mask_phone("81234567") == "****4567"
    assert ids.mask_id("1234567") == "*******"
    for value in ("12345678", "123456789012", "123456789012345", "1" * 30):
        for masked in (ids.mask_id(value), ids.mask_phone(value)):
            assert masked.count("*") >= 4 and len(masked) == len(value)
