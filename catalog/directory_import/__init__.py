"""Importing the directories other platforms export (issue 21): reading the file (``reading``), guessing
which column is which field (``guessing``), reading values as they are meant (``values``, and the core's
``blocklake.update_cycles``), finding the provider among the catalog's departments (``providers``), one
row's outcome (``rows``), registering it (``writing``), and the whole import (``importing``); what
providers must still complete (``completion``)."""
