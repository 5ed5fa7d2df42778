"""The synthetic Nanshan district (440305): departments' source systems with realistic mess, and the
ground truth behind them. ``generate(GenerateConfig(...))`` writes everything; see README.md."""

from synthetic.config import GenerateConfig
from synthetic.generate import generate
from synthetic.report import GenerateReport, TableReport

__all__ = ["GenerateConfig", "GenerateReport", "TableReport", "generate"]
