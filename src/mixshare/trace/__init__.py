"""Traceability: raw-material lot → batches → consuming batches → deliveries, and back."""
