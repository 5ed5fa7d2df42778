"""Chinese identifier validators: published examples, and the gate's SQL rules agree with them."""

from __future__ import annotations

import random
from datetime import date

import duckdb
import pytest
from stdnum.cn import ric
from stdnum.exceptions import InvalidComponent

from blocklake import identifiers
from blocklake.identifiers import is_valid_resident_id, is_valid_uscc, region_existed_at_birth
from quality import rules

AS_OF = date(2026, 10, 31)

# GB 11643-1999 gives 11010519491231002X and 440524188001010014 as its examples.
VALID_RESIDENT_IDS = ["11010519491231002X", "440524188001010014", "11010519491231002x", "110105 19491231 002X",
                      "１１０１０５１９４９１２３１００２Ｘ", "110105491231002", "440305195001011231"]
INVALID_RESIDENT_IDS = [
    "110105194912310021",  # check character wrong
    "11010519491231002Y",  # not a check character
    "440524188002300014",  # 30 February
    "990524188001010013",  # no province 99
    "110105203012310013",  # born after the as-of date
    "11010519491231002", "1101051949123100200", "110105491331002",  # lengths; month 13 in a legacy ID
    "", "ABCDEFGHIJKLMNOPQR",
]
# The 2023 foreign permanent resident ID: the National Immigration Administration's adaptation notes
# (新版外国人永久居留身份证适配性改造要点, table 1) show 932682198501010017 (issued in Jiangsu, 32; Saudi
# Arabia, 682; born 1985-01-01) and 911124198108030024 (Beijing, 11; Canada, 124; born 1981-08-03).
# 93268219850101005X is the first of the first one's siblings whose check character is X.
FOREIGN_IDS = ["932682198501010017", "911124198108030024", "93268219850101005X", "93268219850101005x",
               "９３２６８２１９８５０１０１００１７", "9111 2419 8108 0300 24"]
NOT_FOREIGN_IDS = [
    "CAN110019810803",  # the 2017 card's number (nationality letters + 12 digits): no resident ID
    "932682198501010018",  # check character wrong
    "966682198501010016",  # check character right, but no province 66 after the 9
    "910124198108030023",  # check character right, but no province 01 (91 alone is no longer read as one)
    "932682198502300017",  # 30 February
    "93268219850101001",  # 17 characters
]
# GB 32100-2015 shows 91350100M000100Y43; python-stdnum documents 91110000600037341L.
VALID_USCCS = ["91350100M000100Y43", "91110000600037341L", "9111 0000 6000 3734 1L", "91110000600037341l"]
INVALID_USCCS = ["91350100M000100Y42", "91110000600037341M", "91350100M000100I43", "9135010", "",
                 "01350100M000100Y43"]


@pytest.mark.parametrize("text", VALID_RESIDENT_IDS)
def test_valid_resident_ids(text: str) -> None:
    assert is_valid_resident_id(text, as_of=AS_OF)


@pytest.mark.parametrize("text", INVALID_RESIDENT_IDS)
def test_invalid_resident_ids(text: str) -> None:
    assert not is_valid_resident_id(text, as_of=AS_OF)


def test_legacy_ids_can_be_refused() -> None:
    assert not is_valid_resident_id("110105491231002", allow_legacy=False)


def test_a_nanshan_id_of_someone_born_before_the_district_existed_is_valid() -> None:
    """stdnum's birth-year county rule would refuse it; the ID carries the place of issue."""
    assert is_valid_resident_id("440305195001011231", as_of=AS_OF)


@pytest.mark.parametrize("text", FOREIGN_IDS)
def test_foreign_permanent_resident_ids_of_2023_are_resident_ids(text: str) -> None:
    assert is_valid_resident_id(text, as_of=AS_OF)
    assert identifiers.is_foreign_permanent_resident_id(identifiers.compact(text))


@pytest.mark.parametrize("text", NOT_FOREIGN_IDS)
def test_near_misses_of_the_foreign_form_are_not(text: str) -> None:
    assert not is_valid_resident_id(text, as_of=AS_OF)


def with_check(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


# Derived from python-stdnum's cn/loc.dat: 110103 崇文区 "[-2010]" (merged into 东城区 in 2010), 110112
# 通州区 "[1997-]", 440305 "[1983-1989]南头区办事处,[1990-]南山区"; 440524 is not in the table at all.
REGION_AT_BIRTH = [
    (with_check("11010320150101001"), False),  # 崇文区 abolished before the birth year
    (with_check("11011219800101001"), False),  # 通州区 created after the birth year
    (with_check("44030519500101123"), False),  # Nanshan's code, born before it existed (a real ID: issued there)
    ("440524188001010014", False),  # GB 11643's own example: a code stdnum's table does not know
    (with_check("11010320050101001"), True),  # 崇文区 still existed
    (with_check("11011219970101001"), True),  # 通州区 in its first year
    (with_check("44030519830101123"), True), (with_check("44030519900101123"), True),
    ("11010519491231002X", True), ("11010519491231002x", True), ("１１０１０５１９４９１２３１００２Ｘ", True),
    ("932682198501010017", True),  # a foreign ID: its digits 2-7 are no region code
    ("110105491231002", True), ("ABCDEFGHIJKLMNOPQR", True), ("", True),  # not this rule's business
]


@pytest.mark.parametrize(("text", "existed"), REGION_AT_BIRTH)
def test_region_at_birth(text: str, existed: bool) -> None:
    assert region_existed_at_birth(text) is existed
    assert is_valid_resident_id(text, as_of=AS_OF) or existed  # every ID it warns about is valid


def test_region_at_birth_is_stdnums_rule() -> None:
    """On valid citizen IDs of every code in stdnum's table (and some it lacks), born 1850-2026."""
    rng = random.Random(11)
    codes = [*identifiers.region_years(), "440524", "119999", "449999"]
    for _ in range(3000):
        number = with_check(f"{rng.choice(codes)}{rng.randint(1850, 2026)}0101{rng.randint(0, 999):03d}")
        try:
            ric.get_birth_place(number)
            existed = True
        except (InvalidComponent, KeyError):  # KeyError: stdnum knows the province but not the county
            existed = False
        assert region_existed_at_birth(number) is existed, number


@pytest.mark.parametrize("text", VALID_USCCS)
def test_valid_usccs(text: str) -> None:
    assert is_valid_uscc(text)


@pytest.mark.parametrize("text", INVALID_USCCS)
def test_invalid_usccs(text: str) -> None:
    assert not is_valid_uscc(text)


def test_mobile_and_division_codes() -> None:
    assert identifiers.is_valid_mobile("13800138000") and identifiers.is_valid_mobile("+86 138-0013-8000")
    assert not identifiers.is_valid_mobile("12800138000") and not identifiers.is_valid_mobile("0755-26543210")
    assert identifiers.is_valid_division_code("440305") and identifiers.is_valid_division_code("440305001001")
    assert not identifiers.is_valid_division_code("4403050") and not identifiers.is_valid_division_code("990305")


def _corpus(seed: int = 7, size: int = 3000) -> list[str]:
    """Valid identifiers and near misses: a changed digit, a changed check character, full width, spaces."""
    rng = random.Random(seed)
    values = [*VALID_RESIDENT_IDS, *INVALID_RESIDENT_IDS, *VALID_USCCS, *INVALID_USCCS, *FOREIGN_IDS,
              *NOT_FOREIGN_IDS, *(text for text, _ in REGION_AT_BIRTH)]
    codes = list(identifiers.region_years())
    for _ in range(size):
        body = rng.choice([f"{rng.choice(['11', '44', '43', '99', '00', '93', '91', '96'])}{rng.randint(0, 9999):04d}",
                           rng.choice(codes)])
        born = f"{rng.randint(1840, 2030)}{rng.randint(1, 13):02d}{rng.randint(1, 31):02d}"
        first17 = f"{body}{born}{rng.randint(0, 999):03d}"
        weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        check = "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]
        values.append(first17 + (check if rng.random() < 0.6 else rng.choice("0123456789X")))
        values.append(f"{body}{born[2:]}{rng.randint(0, 999):03d}")
        values.append("".join(rng.choice(identifiers.USCC_ALPHABET) for _ in range(18)))
        values.append(f"1{rng.randint(0, 9)}{rng.randint(0, 10**9 - 1):09d}")
        values.append(body + "".join(str(rng.randint(0, 9)) for _ in range(rng.choice([0, 1, 3, 6, 7]))))
    return values


@pytest.mark.parametrize(("kind", "python_rule"), [
    ("resident_id", lambda v: is_valid_resident_id(v, as_of=AS_OF)),
    ("resident_id_region_at_birth", region_existed_at_birth),
    ("uscc", is_valid_uscc),
    ("mobile", identifiers.is_valid_mobile),
    ("division_code", identifiers.is_valid_division_code),
])
def test_the_gates_sql_rules_agree_with_the_python_validators(kind: str, python_rule) -> None:
    values = _corpus()
    con = duckdb.connect()
    con.execute("CREATE TABLE v (value VARCHAR)")
    con.executemany("INSERT INTO v VALUES (?)", [[value] for value in values])
    sql = rules.value_rule(kind, "value", AS_OF)
    judged = dict(con.execute(f"SELECT value, coalesce({sql}, false) FROM v").fetchall())
    disagreements = [value for value in values if judged[value] != python_rule(value)]
    assert not disagreements, disagreements[:10]
    assert any(judged.values()) and not all(judged.values())  # the corpus holds both kinds
