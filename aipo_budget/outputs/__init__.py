"""What the audit is shown as: the table model, the audit tables, the renderers, the audit
pack, and the tables of ``explain`` and ``check --pending``. Imports the core, never the
adapters."""
