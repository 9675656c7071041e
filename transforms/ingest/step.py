"""The ingest step of one call batch: its landing folder → bronze.calls + bronze.quarantine.

``run(ctx, partition)`` finds the partition's landing folder, checks the tenant's key, and runs
``commit_batch`` (``batch.py``): the bytes to the audio store or the quarantine store, then the
calls, then the quarantine rows, and only then the landing files, the manifest last. Each step is
safe to crash after (``batch.py`` says why). The Dagster asset, ``ccr`` and the tests call it.
"""

from __future__ import annotations

from transforms.core.context import StepContext
from transforms.ingest.batch import IngestOutcome, Limits, commit_batch
from transforms.ingest.landing import batch_from_key
from transforms.privacy.pseudonymise import caller_key


def run(ctx: StepContext, partition: str) -> IngestOutcome | None:
    """Ingest one call-batch partition; None when its landing folder is already cleared (a
    rerun: nothing to do).

    A registry tenant's key must be usable before anything is stored (``KeyStoreError``
    otherwise: the batch stays in landing until ``ccr keys create`` or the file mode is fixed).
    """
    settings = ctx.settings
    batch = batch_from_key(settings.landing, partition)
    if batch is None:
        return None
    tenant = ctx.tenants.get(batch.tenant_id)
    # A tenant whose contract has ended needs no key: its batches are set aside as they are.
    if tenant is not None and not tenant.contract_ended(ctx.today()):
        ctx.keys.secret(batch.tenant_id)
    return commit_batch(
        ctx.lakehouse,
        batch,
        tenants=ctx.tenants,
        audio_store=settings.audio_store,
        quarantine_store=settings.quarantine_store,
        pseudonymise_phone=lambda tenant_id, phone: caller_key(ctx.keys, tenant_id, phone),
        limits=Limits(max_file_bytes=settings.max_file_bytes, quiet_s=settings.landing_quiet_s),
        now=ctx.now(),
        today=ctx.today(),
    )
