"""aipo-budget: Surplus Fund compliance and audit tables for the AIPO Secretariat's ledger."""

# The one version number: pyproject.toml reads it (`dynamic = ["version"]`), the CLI's
# --version, the audit pack's manifest and the check cache use it.
__version__ = "0.1.0"
