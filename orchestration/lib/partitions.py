"""Call batches: one dynamic partition per ``<tenant>/<batch>`` landing folder."""

import dagster as dg

call_batches = dg.DynamicPartitionsDefinition(name="call_batches")
