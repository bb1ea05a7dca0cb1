"""The commands besides ``check`` and ``report``, one module each, registered by
:mod:`aipo_budget.cli`. Each imports what only it needs inside its function, so that starting
one command does not import the others' code."""
