"""The export run: plan the due bundles, write each, deliver it whole and record it — the export row
and its audit entry in one transaction with the delivery, so there is never one without the other.

Unchanged data is not re-sent: when a new snapshot gives a consumer exactly the rows of its last
bundle (same fingerprint and items), the snapshot is recorded as delivered without sending anything.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from blocklake import failpoints, lake, masking
from blocklake.errors import ExportError
from blocklake.settings import Settings, get_settings
from catalog import db
from catalog.models import Application, AuditLog, Export
from exports import plan
from exports.bundle import Bundle, write_bundle
from exports.targets import FolderTarget, S3Target, Target, bundle_path

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ExportResult:
    delivery: plan.Delivery
    status: str  # delivered | unchanged | already delivered | failed
    rows: int = 0
    location: str = ""
    error: str = ""


def export_due(settings: Settings | None = None, *, consumer: str | None = None,
               progress: Progress = lambda message: None) -> list[ExportResult]:
    """Deliver every due bundle; one failure does not stop the others (it is reported and logged)."""
    settings = settings or get_settings()
    db.upgrade()
    with db.session() as session:
        deliveries = plan.due(session, consumer)
    if not deliveries:
        return []
    target, secret = make_target(settings), masking.bureau_secret(settings)
    con = lake.connect(settings, read_only=True)
    results = []
    try:
        for number, delivery in enumerate(deliveries, start=1):
            result = deliver(con, delivery, target, settings, secret)
            progress(f"[{number}/{len(deliveries)}] {describe(result)}")
            results.append(result)
    finally:
        con.close()
    return results


def describe(result: ExportResult) -> str:
    delivery = result.delivery
    text = f"{delivery.consumer_code} ← {delivery.resource_code} snapshot {delivery.snapshot_id}: {result.status}"
    if result.rows:
        text += f", {result.rows:,} rows"
    return text + (f" — {result.error}" if result.error else "")


def export_application(application_id: int, settings: Settings | None = None) -> ExportResult | None:
    """Deliver one application's bundle if it is due (the export DAG's mapped task); None if not due."""
    settings = settings or get_settings()
    with db.session() as session:
        application = session.get(Application, application_id)
        due = [d for d in plan.due(session) if d.application_id == application_id] if application else []
    if not due:
        return None
    con = lake.connect(settings, read_only=True)
    try:
        return deliver(con, due[0], make_target(settings), settings, masking.bureau_secret(settings), raise_errors=True)
    finally:
        con.close()


def deliver(con: duckdb.DuckDBPyConnection, delivery: plan.Delivery, target: Target, settings: Settings,
            secret: bytes, *, raise_errors: bool = False) -> ExportResult:
    try:
        bundle_path(delivery)  # hostile names are refused before a file is written
        staged = target.staging()
        try:
            bundle = write_bundle(con, delivery, staged, key=masking.consumer_key(secret, delivery.consumer_code),
                                  inline_rows=settings.export_inline_rows)
            return _record(delivery, bundle, target)
        finally:
            shutil.rmtree(staged, ignore_errors=True)
    except (ExportError, duckdb.Error, OSError, failpoints.InjectedFault) as exc:
        if raise_errors:
            raise
        return ExportResult(delivery, "failed", error=str(exc))


def _record(delivery: plan.Delivery, bundle: Bundle, target: Target) -> ExportResult:
    location = ""
    try:
        with db.session() as session:
            previous = session.scalars(select(Export).where(Export.application_id == delivery.application_id)
                                       .order_by(Export.snapshot_id.desc())).first()
            unchanged = (previous is not None and previous.fingerprint == bundle.fingerprint
                         and previous.items == list(delivery.items))
            export = _export_row(delivery, bundle, unchanged, previous.location if unchanged else "")
            session.add(export)
            session.flush()  # a second delivery of the same application and snapshot stops here
            if not unchanged:
                location = export.location = target.publish(bundle.folder, bundle_path(delivery))
            failpoints.hit("exports.after_publish")
            session.add(_audit(delivery, bundle, export))
    except IntegrityError:
        return ExportResult(delivery, "already delivered")
    except BaseException:
        if location:  # delivered but not recorded: take it back, so there is neither
            target.withdraw(location)
        raise
    return ExportResult(delivery, "unchanged" if unchanged else "delivered", bundle.rows, export.location)


def _export_row(delivery: plan.Delivery, bundle: Bundle, unchanged: bool, location: str) -> Export:
    return Export(
        application_id=delivery.application_id, consumer_id=delivery.consumer_id, resource_id=delivery.resource_id,
        snapshot_id=delivery.snapshot_id,
        items=list(delivery.items), masked=bundle.manifest["masking"], block_scope=delivery.block_scope,
        rows=bundle.rows, bytes=bundle.bytes, location=location, manifest_sha256=bundle.manifest_sha256,
        fingerprint=bundle.fingerprint, unchanged=unchanged, created_at=datetime.now(UTC))


def _audit(delivery: plan.Delivery, bundle: Bundle, export: Export) -> AuditLog:
    return AuditLog(at=export.created_at, actor="system", action="export_unchanged" if export.unchanged else "export",
                    object_type="application", object_id=str(delivery.application_id),
                    detail={"consumer": delivery.consumer_code, "resource": delivery.resource_code,
                            "snapshot": delivery.snapshot_id, "items": list(delivery.items), "rows": bundle.rows,
                            "masked": bundle.manifest["masking"], "block_scope": delivery.block_scope,
                            "location": export.location})


def make_target(settings: Settings) -> Target:
    if settings.export_target:
        return S3Target(settings.export_target, settings, settings.home / "tmp")
    return FolderTarget(settings.exports_path)


