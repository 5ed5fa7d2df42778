"""Masks and pseudonyms: the DuckDB SQL of each rule gives exactly what the Python one gives."""

from __future__ import annotations

import random

import duckdb
import pytest

from blocklake import masking

VALUES = {
    "resident_id": ["440305199001011234", "44030519900101123X", " 440305199001011234 ", "12345", "",
                    "932682198501010017", "91112419810803002X"],
    "phone": ["13800138000", "0755-26661234", "1380013", "8"],
    "mobile": ["13912345678"],
    "person_name": ["张三", "欧阳娜娜", "李", ""],
    "person_address": ["南山区粤海街道科技园社区1栋101", "甲", ""],
    "bank_card": ["6222021234567890123", "4111111111111111", "12345678", ""],
    "person_unit": ["44030500100100100120101", "4403050010", ""],
}


@pytest.mark.parametrize("kind", sorted(VALUES))
def test_sql_masks_equal_the_python_masks(kind: str) -> None:
    con = duckdb.connect()
    for value in VALUES[kind]:
        shown = con.execute(f"SELECT {masking.sql_mask(kind, '$v')}", {"v": value}).fetchone()[0]
        assert shown == masking.mask(kind, value), value
    assert con.execute(f"SELECT {masking.sql_mask(kind, 'NULL')}").fetchone()[0] is None


def test_masked_identifiers_keep_no_full_value() -> None:
    shown = masking.mask("resident_id", "440305199001011234")
    assert shown == "440305************" and "19900101" not in shown
    # a foreign permanent resident's ID (2023) shows its issuing province, not the nationality after it
    assert masking.mask("resident_id", "932682198501010017") == "932***************"
    assert masking.mask("phone", "13800138000") == "138****8000"
    assert masking.mask("person_name", "欧阳娜娜") == "欧*"
    assert masking.mask("bank_card", "6222021234567890123") == "***************0123"


def test_sql_pseudonyms_are_rfc_2104_hmacs_stable_per_consumer_and_different_across() -> None:
    secret = b"bureau secret"
    alpha, beta = masking.consumer_key(secret, "alpha"), masking.consumer_key(secret, "beta")
    con = duckdb.connect()
    rng = random.Random(7)
    values = [str(rng.randrange(10**17, 10**18)) for _ in range(200)] + ["张三", " 13800138000 "]
    for key in (alpha, beta, b"k" * 100):  # a key longer than the block is hashed first, as RFC 2104 says
        sql = f"SELECT list_transform($values, v -> {masking.sql_pseudonym(key, 'v')})"
        assert con.execute(sql, {"values": values}).fetchone()[0] == [masking.pseudonym(key, v) for v in values]
    assert masking.pseudonym(alpha, values[0]) == masking.pseudonym(alpha, values[0])
    assert masking.pseudonym(alpha, values[0]) != masking.pseudonym(beta, values[0])
