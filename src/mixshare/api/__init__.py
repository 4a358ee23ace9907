"""The JSON REST API under ``/api/v1``: thin views over the domain services."""
