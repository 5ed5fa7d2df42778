"""Extractors: one per source driver, all yielding Arrow record batches in bounded memory.

:func:`open_extraction` is the single entry point; drivers register themselves in
:data:`ingestion.extractors.base.EXTRACTORS`.
"""

from ingestion.extractors import database, excel, parquet, text  # noqa: F401 - registers the drivers
from ingestion.extractors.base import Extraction, ExtractRequest, Reject, open_extraction
from ingestion.extractors.database import shared_connections

__all__ = ["ExtractRequest", "Extraction", "Reject", "open_extraction", "shared_connections"]
