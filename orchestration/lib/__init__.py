"""Dagster helpers every domain under ``defs/`` shares: resources, partitions, owners and the
processing-log hooks. No domain imports another domain's ``assets.py``."""
