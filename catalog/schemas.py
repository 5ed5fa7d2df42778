"""A directory entry as the 2017 编制指南 (GB/T 21063) names its core metadata: the shape the catalog
exports, imports and serves. Field aliases are the guide's Chinese names, used in CSV/JSON files."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from blocklake.vocabulary import ItemType, ShareMethod, ShareType, UpdateCycle


class DataItemEntry(BaseModel):
    model_config = ConfigDict(populate_by_name=True, frozen=True)

    name: str = Field(alias="信息项名称")
    type_code: ItemType = Field("C", alias="数据类型")
    column: str | None = Field(None, alias="字段名")
    sensitive: str | None = Field(None, alias="敏感类别")


class DirectoryEntry(BaseModel):
    """One resource of the directory (信息资源)."""

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    classification: str = Field(alias="信息资源分类", description="类.项.目(.细目), e.g. 1.01.001")
    name: str = Field(alias="信息资源名称")
    code: str | None = Field(None, alias="信息资源代码", description="classification code + '/' + sequence")
    provider: str = Field(alias="信息资源提供方")
    provider_code: str = Field(alias="信息资源提供方代码", description="统一社会信用代码")
    abstract: str = Field("", alias="信息资源摘要")
    format: str = Field("数据库", alias="信息资源格式")
    items: list[DataItemEntry] = Field(default_factory=list, alias="信息项信息")
    share_type: ShareType = Field(alias="共享类型")
    share_conditions: str | None = Field(None, alias="共享条件")
    share_method: ShareMethod = Field("接口", alias="共享方式")
    open_to_public: bool = Field(False, alias="是否向社会开放")
    open_conditions: str | None = Field(None, alias="开放条件")
    update_cycle: UpdateCycle = Field(alias="更新周期")
    publish_date: date | None = Field(None, alias="发布日期")
    related_codes: list[str] = Field(default_factory=list, alias="关联资源代码")
