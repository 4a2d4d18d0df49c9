"""bankcrm: customer-relationship management for bank branch networks."""

__version__ = "0.1.0"
