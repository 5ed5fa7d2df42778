"""Where bundles go: a folder per consumer (``var/exports/<consumer>/…``) or the consumer's S3 (MinIO)
bucket. A bundle appears whole or not at all:

- in a folder it is written beside the root (``.staging``) and renamed into place in one step;
- in a bucket the data files go first and ``manifest.json`` last — a bundle without its manifest is
  not delivered, and a failed upload deletes what it wrote.

Every name in a path is checked against a strict pattern, and the path must stay under the root with
no symlink on the way, so no resource, consumer or file name can reach outside it.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from pathlib import Path, PurePosixPath
from typing import Protocol

from blocklake.errors import ExportError
from blocklake.settings import Settings, private_folder
from exports.bundle import MANIFEST
from exports.plan import Delivery

CONSUMER = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
RESOURCE_CODE = re.compile(r"^[123](\.\d{2}(\.\d{3}(\.\d{3})?)?)?/\d{6}$")
FILE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
SOURCE_KEY = re.compile(r"^[a-z_][a-z0-9_]{0,62}\.[a-z_][a-z0-9_]{0,62}$")  # schema.table: file and SQL names
STAGING = ".staging"
BUNDLE_PREFIX = re.compile(r"(^|/)application-\d+/snapshot-\d+/?$")


def bundle_path(delivery: Delivery) -> PurePosixPath:
    """``<consumer>/<resource code with _ for />/application-<id>/snapshot-<n>``, every part checked,
    and the lake table the bundle's files are named after. Called before anything is written."""
    if not SOURCE_KEY.match(delivery.source_key):
        raise ExportError(f"lake table {delivery.source_key!r} is not a plain schema.table; refusing to export")
    if not CONSUMER.match(delivery.consumer_code):
        raise ExportError(f"consumer code {delivery.consumer_code!r} is not a plain identifier; refusing to export")
    if not RESOURCE_CODE.match(delivery.resource_code):
        raise ExportError(f"resource code {delivery.resource_code!r} is not a directory code; refusing to export")
    return PurePosixPath(delivery.consumer_code, delivery.resource_code.replace("/", "_"),
                         f"application-{int(delivery.application_id)}", f"snapshot-{int(delivery.snapshot_id)}")


class Target(Protocol):
    def staging(self) -> Path: ...

    def publish(self, staged: Path, relative: PurePosixPath) -> str: ...

    def withdraw(self, location: str) -> None: ...


class FolderTarget:
    def __init__(self, root: Path):
        self.root = root

    def staging(self) -> Path:
        """A fresh folder on the root's file system, so publishing is one rename."""
        return _fresh_staging(self.root)

    def publish(self, staged: Path, relative: PurePosixPath) -> str:
        final = safe_join(self.root, relative)
        final.parent.mkdir(parents=True, exist_ok=True)
        safe_join(self.root, relative)  # again: nothing may have become a symlink while creating the parents
        _check_files(staged)
        if final.exists():  # delivered before but never recorded (a crash between the two): replace it whole
            stale = final.with_name(f".{final.name}.{uuid.uuid4().hex}.old")
            os.replace(final, stale)
            os.replace(staged, final)
            shutil.rmtree(stale, ignore_errors=True)
        else:
            os.replace(staged, final)
        return str(final)

    def withdraw(self, location: str) -> None:
        """Delete a delivered bundle: only a folder under the root, reached without a symlink."""
        root = self.root.resolve()
        path = Path(location)
        if not path.is_absolute() or not Path(os.path.normpath(path)).is_relative_to(root) or path == root:
            raise ExportError(f"{location} lies outside the export root {root}; not deleting it")
        checked = safe_join(root, PurePosixPath(path.relative_to(root)))
        if checked.is_dir():
            shutil.rmtree(checked)


class S3Target:
    """``s3://<bucket>/<prefix>/`` where the bucket may name the consumer: ``s3://exports-{consumer}/``."""

    def __init__(self, template: str, settings: Settings, staging_root: Path):
        if not template.startswith("s3://"):
            raise ExportError(f"BLOCKLAKE_EXPORT_TARGET={template!r}: use a folder (empty) or s3://bucket/prefix/")
        self.template = template
        self.settings = settings
        self.staging_root = staging_root
        self._client = None

    def staging(self) -> Path:
        return _fresh_staging(self.staging_root)

    def publish(self, staged: Path, relative: PurePosixPath) -> str:
        bucket, prefix = self._where(relative)
        _check_files(staged)
        uploaded = []
        try:
            if not self.client.bucket_exists(bucket):
                raise ExportError(f"bucket {bucket} does not exist; create it for the consumer, or change "
                                  "BLOCKLAKE_EXPORT_TARGET")
            for path in sorted(staged.iterdir(), key=lambda p: p.name == MANIFEST):  # the manifest last
                key = f"{prefix}/{path.name}"
                self.client.fput_object(bucket, key, str(path))
                uploaded.append(key)
        except Exception as exc:
            self._delete(bucket, uploaded)
            raise ExportError(f"upload to s3://{bucket}/{prefix}/ failed, nothing delivered: {exc}") from exc
        shutil.rmtree(staged, ignore_errors=True)
        return f"s3://{bucket}/{prefix}/"

    def withdraw(self, location: str) -> None:
        bucket, _, prefix = location.removeprefix("s3://").partition("/")
        if not BUNDLE_PREFIX.search(prefix):  # never a whole bucket or consumer: only one bundle's objects
            raise ExportError(f"{location} is not a bundle's location; not deleting it")
        listed = self.client.list_objects(bucket, prefix=prefix, recursive=True)
        self._delete(bucket, [item.object_name for item in listed])

    @property
    def client(self):
        if self._client is None:
            from minio import Minio

            self._client = Minio(self.settings.s3_endpoint, access_key=self.settings.s3_access_key,
                                 secret_key=self.settings.s3_secret_key, secure=self.settings.s3_use_ssl,
                                 region=self.settings.s3_region)
        return self._client

    def _where(self, relative: PurePosixPath) -> tuple[str, str]:
        consumer = relative.parts[0]
        location = self.template.format(consumer=consumer.replace("_", "-")).removeprefix("s3://")
        bucket, _, prefix = location.partition("/")
        return bucket, "/".join(part for part in (prefix.strip("/"), str(relative)) if part)

    def _delete(self, bucket: str, keys: list[str]) -> None:
        for key in keys:
            self.client.remove_object(bucket, key)


def safe_join(root: Path, relative: PurePosixPath) -> Path:
    """``root / relative``, refused if any part is absolute, ``..``, or an existing symlink."""
    base = root.resolve()
    if relative.is_absolute() or any(part in ("", ".", "..") for part in relative.parts):
        raise ExportError(f"export path {relative} is not a plain relative path")
    path = base
    for part in relative.parts:
        path = path / part
        if path.is_symlink():
            raise ExportError(f"{path} is a symlink; exports never follow links out of {base}")
    if not path.resolve().is_relative_to(base):
        raise ExportError(f"{path} lies outside the export root {base}")
    return path


def _fresh_staging(root: Path) -> Path:
    private_folder(root)
    folder = safe_join(root, PurePosixPath(STAGING, uuid.uuid4().hex))
    folder.parent.mkdir(exist_ok=True)
    folder = safe_join(root, PurePosixPath(STAGING, folder.name))  # nothing became a link meanwhile
    folder.mkdir()
    return folder


def _check_files(staged: Path) -> None:
    for path in staged.iterdir():
        if path.is_symlink() or not path.is_file() or not FILE_NAME.match(path.name):
            raise ExportError(f"unexpected entry {path.name!r} in a staged bundle; refusing to deliver it")
