"""Address parsing and matching against the base plate (底板) of standard addresses.

``parse_addresses`` splits free text into parts; ``BasePlate`` holds the natural-resources tables
keyed for joins; ``match_addresses`` turns parsed rows into unit and building codes.
"""

from address.match import match_addresses
from address.parse import parse_address, parse_addresses
from address.plate import BasePlate, PlateError

__all__ = ["BasePlate", "PlateError", "match_addresses", "parse_address", "parse_addresses"]
