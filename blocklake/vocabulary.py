"""The shared vocabulary: each term that more than one stage uses, defined once.

Share types, share methods and update cycles are the 2017 编制指南's (GB/T 21063) values; data item type
codes are GB/T 21063.3's. The registry validates against these, the catalog stores and shows them, the
directory import maps other platforms' spellings onto them, and the statistics count by them.
"""

from __future__ import annotations

from typing import Literal, get_args

ShareType = Literal["无条件共享", "有条件共享", "不予共享"]
SHARE_TYPES: tuple[ShareType, ...] = get_args(ShareType)
# The types whose records count as shared in the record sharing rate (共享率).
SHARED_TYPES: frozenset[ShareType] = frozenset({"无条件共享", "有条件共享"})

# The guide's top classes (类) of the resource classification (the first digit of 1.01.001).
CLASSIFICATION_CLASSES: dict[str, str] = {"1": "基础信息资源", "2": "主题信息资源", "3": "部门信息资源"}

ShareMethod = Literal["接口", "文件", "数据库"]
SHARE_METHODS: tuple[ShareMethod, ...] = get_args(ShareMethod)

# How an approved application shares: "copy" delivers rows (bundles, the data API, SQL); "verify" (数据核验)
# only answers about the keys the consumer sends. A copy grants more than a check, so it answers both.
SharingMethod = Literal["copy", "verify"]
SHARING_METHODS: tuple[SharingMethod, ...] = get_args(SharingMethod)
SHARING_METHOD_TITLES: dict[SharingMethod, str] = {"copy": "批量交换（文件、接口、SQL）", "verify": "数据核验"}

# 不定期: irregular; a table so declared has no freshness expectation (quality.suites).
UpdateCycle = Literal["实时", "每日", "每周", "每月", "每季度", "每年", "不定期"]
UPDATE_CYCLES: tuple[UpdateCycle, ...] = get_args(UpdateCycle)

# Personal information a column may hold (the registry's ``sensitive:``, masking, the catalog's items).
# person_unit: the unit code of a person's home (a quasi-identifier: the unit table gives the flat)
SensitiveKind = Literal["resident_id", "phone", "person_name", "person_address", "bank_card", "person_unit"]
SENSITIVE_KINDS: tuple[SensitiveKind, ...] = get_args(SensitiveKind)
SENSITIVE_TITLES: dict[SensitiveKind, str] = {
    "resident_id": "身份证号", "phone": "手机号码", "person_name": "姓名", "person_address": "住址",
    "bank_card": "银行卡号", "person_unit": "居住房屋代码",
}

ItemType = Literal["C", "N", "Y", "D", "T", "L", "M", "G", "B", "I", "F"]
ITEM_TYPE_TITLES: dict[ItemType, str] = {
    "C": "字符型", "N": "数值型", "Y": "货币型", "D": "日期型", "T": "日期时间型", "L": "逻辑型", "M": "备注型",
    "G": "通用型", "B": "二进制", "I": "整型", "F": "浮点型",
}

# Columns the lake adds to every raw table (never data items of a resource), with their DuckDB types.
LOAD_LINEAGE_COLUMNS: dict[str, str] = {
    "_batch_id": "VARCHAR", "_extracted_at": "TIMESTAMP WITH TIME ZONE", "_source": "VARCHAR",
}
# Added by file sources (CSV, Excel, Parquet): the delivered file each row came from.
SOURCE_FILE_COLUMN = "_source_file"
LINEAGE_COLUMNS: frozenset[str] = frozenset({*LOAD_LINEAGE_COLUMNS, SOURCE_FILE_COLUMN})
