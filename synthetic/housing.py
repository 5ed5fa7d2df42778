"""A second department nobody wrote for: the housing provident fund centre (住房公积金管理中心), whose
system exports a GB 18030 CSV with English column names of its own (``id_card_no``, ``deposit_amt``) and
writes values its own way: resident IDs in groups of four, mobiles as ``138 0013 8000``, amounts as
``¥1,200.00``, dates as ``2019.03.12`` and months as ``2026年10月``. What each column truly is comes with
it (:data:`TRUTH`), to measure ``blocklake discover`` against."""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

from stdnum.cn import ric, uscc

FILE = "gjj_accounts.csv"
TRUTH = {(FILE, column): element for column, element in (
    ("acct_no", "identifier"), ("full_name", "person_name"), ("id_card_no", "resident_id"), ("mobile", "phone"),
    ("home_addr", "address"), ("employer", "org_name"), ("employer_code", "uscc"), ("deposit_amt", "amount"),
    ("open_date", "date"), ("last_paid", "date"), ("acct_status", "code"))}
EMPLOYERS = ("深圳市嘉信易达投资有限公司", "南山区谭记粮油店", "深圳市南山区南头城小学", "深圳凯德云图广告股份有限公司")
HOMES = ("粤海街道科苑路15号3栋1203", "南头街道南山大道1088号2栋501室", "桃源街道龙珠大道68号6栋1101",
         "西丽街道留仙大道3370号A座808")


def _uscc(rng: random.Random) -> str:
    body = f"9144030{rng.randrange(10)}MA5{''.join(rng.choice('0123456789ABCDEFGHJKLMNPQRTUWXY') for _ in range(6))}"
    return body + uscc.calc_check_digit(body)


def write_department(folder: Path, count: int = 400, *, seed: int = 23) -> None:
    """``gjj_accounts.csv`` (GB 18030) under ``folder``."""
    rng = random.Random(seed)
    employers = [(name, _uscc(rng)) for name in EMPLOYERS]
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / FILE).open("w", encoding="gb18030", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([column for _, column in TRUTH])
        for number in range(1, count + 1):
            born = date(1960, 1, 1) + timedelta(days=rng.randrange(15_000))
            body = f"440305{born:%Y%m%d}{rng.randrange(1000):03d}"
            resident_id = body + ric.calc_check_digit(body + "?")
            mobile = f"13{rng.randrange(10)}{rng.randrange(10**8):08d}"
            employer, code = rng.choice(employers)
            opened = date(2005, 1, 1) + timedelta(days=rng.randrange(7_000))
            writer.writerow([
                f"GJJ{number:07d}", rng.choice("王李张刘陈杨黄赵") + rng.choice(["伟", "秀英", "建国", "娜", "子涵"]),
                " ".join(resident_id[i:i + 4] for i in range(0, 18, 4)), f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}",
                rng.choice(HOMES), employer, code, f"¥{rng.randrange(300, 6000):,}.{rng.randrange(100):02d}",
                f"{opened:%Y.%m.%d}", f"2026年{rng.randint(1, 10)}月", rng.choice(["正常", "封存", "正常", "正常"])])
