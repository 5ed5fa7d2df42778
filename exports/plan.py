"""Which bundles are due: one per approved application and published snapshot, not yet delivered."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import grants
from catalog.models import Application, Export


@dataclass(frozen=True)
class Delivery:
    application_id: int
    consumer_id: int
    resource_id: int
    consumer_code: str
    consumer_name: str
    resource_code: str
    resource_name: str
    source_key: str  # schema.table in the lake
    snapshot_id: int
    items: tuple[str, ...]  # approved column names, in the resource's order
    sensitive: dict[str, str] = field(default_factory=dict)  # column -> kind, for the approved items
    block_column: str | None = None
    block_scope: str | None = None  # the consumer's block code when rows are limited to it

    @property
    def table(self) -> str:
        return self.source_key.split(".", 1)[1]


def due(session: Session, consumer: str | None = None) -> list[Delivery]:
    """Deliveries not yet made, oldest application first; ``consumer`` limits them to one department."""
    delivered = set(session.execute(select(Export.application_id, Export.snapshot_id)).tuples())
    deliveries = []
    for application in grants.in_force(session):
        resource = application.resource
        if resource.published_snapshot is None or (application.id, resource.published_snapshot) in delivered:
            continue
        if consumer is not None and application.consumer.code != consumer:
            continue
        deliveries.append(delivery_for(application))
    return deliveries


def delivery_for(application: Application) -> Delivery:
    """The bundle of one application, as the access policy grants it (:func:`catalog.grants.grant_of`)."""
    resource, consumer = application.resource, application.consumer
    grant = grants.grant_of(application)
    return Delivery(
        application_id=application.id, consumer_id=consumer.id, resource_id=resource.id,
        consumer_code=consumer.code, consumer_name=consumer.name,
        resource_code=resource.code, resource_name=resource.name, source_key=resource.source_key,
        snapshot_id=int(resource.published_snapshot), items=grant.items, sensitive=dict(grant.masks),
        block_column=resource.block_column, block_scope=grant.block_scope,
    )
