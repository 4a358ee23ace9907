"""Execution: what the lines actually mixed (batch records, curves, raw-material lots) and the
one ingest service every path (API, CLI, hand form, collectors) goes through."""
