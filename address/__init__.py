"""Address parsing and matching against the base plate (底板) of standard addresses.

``parse_addresses`` splits free text into parts; ``BasePlate`` holds the natural-resources tables
keyed for joins; ``match_addresses`` turns parsed rows into unit and building codes;
``matcher_version`` fingerprints the code and vocabularies that made a match.
"""

from address.match import match_addresses
from address.parse import parse_address, parse_addresses
from address.plate import BasePlate, PlateError
from address.version import matcher_version

__all__ = ["BasePlate", "PlateError", "match_addresses", "matcher_version", "parse_address", "parse_addresses"]
