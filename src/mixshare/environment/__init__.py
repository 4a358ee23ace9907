"""The environment ledger: VOC (as NMHC) by emission factor and by stack monitoring,
particulates, the treatment unit's log, waste containers and their transfers, and the
regulatory limits the readings are compared against (domain primer §8)."""
