"""aipo-budget: Surplus Fund compliance and audit tables for the AIPO Secretariat's ledger."""

__version__ = "0.1.0"
