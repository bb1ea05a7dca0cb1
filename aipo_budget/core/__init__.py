"""The audit: rules, facts, checks, waivers, seals and the engine that runs them.

Nothing here imports the outputs or the adapters."""
