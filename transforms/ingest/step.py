"""The ingest step of one call batch: its landing folder → bronze.calls + bronze.quarantine.

``run(ctx, partition)`` finds the partition's landing folder, checks the tenant's key, re-keys the
tenant's rows of callers the manifest names that were keyed under the rule before E.164
(``rekey.py``: the manifest is the last place their numbers are seen), and runs ``commit_batch``
(``batch.py``): the bytes to the audio store or the quarantine store, then the calls, then the
quarantine rows, and only then the landing files, the manifest last. Each step is safe to crash
after (``batch.py`` says why; a re-keying done twice moves nothing the second time). The Dagster
asset, ``ccr`` and the tests call it. Numbers are read in the tenant's ``phone_region``.
"""

from __future__ import annotations

from transforms.core import storage
from transforms.core.context import StepContext
from transforms.ingest.batch import IngestOutcome, Limits, commit_batch
from transforms.ingest.landing import LandingBatch, batch_from_key
from transforms.ingest.manifest import MAX_MANIFEST_BYTES
from transforms.ingest.rekey import manifest_numbers, rekey_callers
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
        numbers = _numbers(batch)
        if numbers:
            rekey_callers(ctx.lakehouse, ctx.keys, tenant.tenant_id, numbers, tenant.phone_region)

    def pseudonymise(tenant_id: str, phone: str | None) -> str | None:
        known = ctx.tenants.get(tenant_id)
        return caller_key(ctx.keys, tenant_id, phone, known.phone_region if known else None)

    return commit_batch(
        ctx.lakehouse,
        batch,
        tenants=ctx.tenants,
        audio_store=settings.audio_store,
        quarantine_store=settings.quarantine_store,
        pseudonymise_phone=pseudonymise,
        limits=Limits(max_file_bytes=settings.max_file_bytes, quiet_s=settings.landing_quiet_s),
        now=ctx.now(),
        today=ctx.today(),
    )


def _numbers(batch: LandingBatch) -> list[str]:
    """The caller numbers of the batch's manifest (none while it cannot be read: the batch is
    then set aside whole, and its numbers with it)."""
    manifest = next((e for e in batch.entries if e.name == batch.manifest), None)
    if manifest is None or manifest.kind != "file" or manifest.size > MAX_MANIFEST_BYTES:
        return []
    try:
        data = storage.read_bytes(manifest.uri, MAX_MANIFEST_BYTES)
    except OSError:  # changed under us: commit_batch reports it
        return []
    return manifest_numbers(manifest.name, data)
