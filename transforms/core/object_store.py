"""The lakehouse on S3: delta-rs options, pyarrow's native S3 filesystem, and object versions.

Three clients reach the bucket, each for what only it does: delta-rs (Delta commits, with
``conditional_put=etag`` so a commit is a put-if-absent of the next log entry and two writers on
two hosts cannot both win a version: no rename, no external lock), pyarrow's C++ ``S3FileSystem``
(scans and every file that is not a table; native, like the local reads, so no Python callbacks
run on Arrow's I/O threads at exit), and boto3 for what neither of them can do: list and delete
old object versions of a versioned bucket, which an erasure must remove and the residual scan
must read.

Credentials come from ``ObjectStoreSettings`` (``CCR_S3_*``), configured once per process by the
edge that read the settings (``configure``); unset, each SDK's own chain applies. They are
passed to the clients only, never formatted into a message: ``redact`` strips them from any
text an error may carry.
"""

from __future__ import annotations

import functools
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

import pyarrow.fs as pafs

from transforms.core.settings import ObjectStoreSettings

P = ParamSpec("P")
R = TypeVar("R")
#: Keys per DeleteObjects request (the S3 API's limit).
_DELETE_BATCH = 1000


def is_s3(uri: str) -> bool:
    return uri.startswith(("s3://", "s3a://"))


def split(uri: str) -> tuple[str, str]:
    """(bucket, key prefix) of ``s3://bucket/prefix``; the prefix without slashes at the ends."""
    rest = uri.split("://", 1)[1]
    bucket, _, key = rest.partition("/")
    return bucket, key.strip("/")


def delta_uri(uri: str) -> str:
    """The URI as delta-rs must get it: it parses a URL, so a ``#`` or ``?`` in a name would
    cut the path (the table would land elsewhere) and ``%`` would be decoded; the key is
    percent-encoded here and delta-rs decodes it back to the same key."""
    if not is_s3(uri):
        return uri
    scheme = uri.split("://", 1)[0]
    bucket, key = split(uri)
    return f"{scheme}://{bucket}/{urllib.parse.quote(key, safe='/')}"


#: The object store of this process, set once at the edge (``configure``): the Dagster resource
#: when a run starts, ``ccr``, a Celery worker, the dbt plugin, a benchmark. The functions below
#: take URIs, as pyarrow's and boto3's do; which endpoint and credentials serve an ``s3://`` URI
#: is process configuration, like the AWS SDKs' own.
_CONFIGURED: list[ObjectStoreSettings] = [ObjectStoreSettings()]


def configure(config: ObjectStoreSettings) -> None:
    """Use ``config`` for every ``s3://`` URI of this process from now on."""
    _CONFIGURED[0] = config


def current() -> ObjectStoreSettings:
    """The object store configured for this process (``configure``); unconfigured: AWS with the
    SDKs' own credential chain."""
    return _CONFIGURED[0]


def delta_options(config: ObjectStoreSettings | None = None) -> dict[str, str]:
    """delta-rs storage options. ``conditional_put=etag``: commits are conditional writes, so
    concurrent writers on any number of hosts never overwrite each other's log entry."""
    config = config or current()
    options = {"AWS_REGION": config.region, "conditional_put": "etag"}
    if config.endpoint_url:
        options["AWS_ENDPOINT_URL"] = config.endpoint_url
    if config.access_key_id and config.secret_access_key:
        options["AWS_ACCESS_KEY_ID"] = config.access_key_id
        options["AWS_SECRET_ACCESS_KEY"] = config.secret_access_key
    if config.allow_http:
        options["AWS_ALLOW_HTTP"] = "true"
    options["AWS_VIRTUAL_HOSTED_STYLE_REQUEST"] = str(config.virtual_hosted).lower()
    options |= sse_options(config)
    return options


def sse_options(config: ObjectStoreSettings | None = None) -> dict[str, str]:
    """delta-rs options asking the store for server-side encryption (``CCR_S3_SSE``): every
    Delta data file and log entry is PUT with ``x-amz-server-side-encryption``. pyarrow's
    S3 filesystem has no such option: the bucket's default encryption covers what it writes
    (docs/encryption.md#server-side-encryption)."""
    config = config or current()
    if not config.sse:
        return {}
    if config.sse not in ("AES256", "aws:kms"):
        raise ValueError("CCR_S3_SSE is `AES256` (SSE-S3) or `aws:kms` (SSE-KMS), or unset")
    options = {"AWS_SERVER_SIDE_ENCRYPTION": config.sse}
    if config.sse == "aws:kms" and config.sse_kms_key_id:
        options["AWS_SSE_KMS_KEY_ID"] = config.sse_kms_key_id
    return options


def _endpoint(config: ObjectStoreSettings) -> tuple[str | None, str]:
    """(host[:port], scheme) of the endpoint URL, as pyarrow wants them."""
    if not config.endpoint_url:
        return None, "https"
    scheme, _, host = config.endpoint_url.partition("://")
    if not host:  # written without a scheme
        return scheme, "http" if config.allow_http else "https"
    if scheme == "http" and not config.allow_http:
        raise ValueError(
            "CCR_S3_ENDPOINT_URL is plain http: set CCR_S3_ALLOW_HTTP=true (loopback tests only)"
        )
    return host, scheme


def arrow_filesystem(config: ObjectStoreSettings | None = None) -> pafs.S3FileSystem:
    """pyarrow's native S3 filesystem for ``config`` (one per configuration, reused)."""
    return _arrow_filesystem(config or current())


@functools.lru_cache(maxsize=8)
def _arrow_filesystem(config: ObjectStoreSettings) -> pafs.S3FileSystem:
    host, scheme = _endpoint(config)
    options: dict[str, Any] = {"region": config.region, "scheme": scheme}
    if host:
        options["endpoint_override"] = host
    if config.access_key_id and config.secret_access_key:
        options["access_key"] = config.access_key_id
        options["secret_key"] = config.secret_access_key
    if config.virtual_hosted:
        options["force_virtual_addressing"] = True
    return pafs.S3FileSystem(**options)


def client(config: ObjectStoreSettings | None = None) -> Any:
    """A boto3 S3 client, for object versions (one per configuration, reused)."""
    return _client(config or current())


@functools.lru_cache(maxsize=8)
def _client(config: ObjectStoreSettings) -> Any:
    # imported here: only a lakehouse on an object store needs boto3
    import boto3
    from botocore.config import Config

    style = "virtual" if config.virtual_hosted else "path"
    return boto3.session.Session().client(
        "s3",
        endpoint_url=config.endpoint_url,
        region_name=config.region,
        aws_access_key_id=config.access_key_id,
        aws_secret_access_key=config.secret_access_key,
        config=Config(s3={"addressing_style": style}, retries={"max_attempts": 5}),
    )


def redact(text: str, config: ObjectStoreSettings | None = None) -> str:
    """``text`` with the credentials replaced (an SDK error may quote a request)."""
    for secret in (config or current()).secrets():
        text = text.replace(secret, "***")
    return text


def redacting(method: Callable[P, R]) -> Callable[P, R]:
    """Re-raise an error whose text holds a credential with the credential masked.

    delta-rs puts the store's error body into its message, and AWS's ``SignatureDoesNotMatch``
    body names the access key id; such a message would reach Dagster's event log.
    """

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except Exception as exc:
            text = str(exc)
            masked = redact(text)
            if masked == text:
                raise
            try:
                clean = type(exc)(masked)
            except Exception:  # an exception type that takes other arguments
                clean = RuntimeError(f"{type(exc).__name__}: {masked}")
            raise clean from None

    return wrapper


@dataclass(frozen=True)
class Version:
    """One stored version of a key, or a delete marker (no bytes, but a name)."""

    key: str
    version_id: str
    size: int
    is_latest: bool
    delete_marker: bool


def versioning(bucket: str, config: ObjectStoreSettings | None = None) -> str:
    """The bucket's versioning status: ``Enabled``, ``Suspended`` or ``""`` (never enabled)."""
    return client(config).get_bucket_versioning(Bucket=bucket).get("Status", "")


def versions(uri: str, config: ObjectStoreSettings | None = None) -> Iterator[Version]:
    """Every version and delete marker of every key under ``uri`` (a prefix), current ones
    included; on a bucket without versioning, the objects themselves (version ``null``)."""
    bucket, prefix = split(uri)
    prefix = f"{prefix}/" if prefix else ""
    pages = (
        client(config).get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix)
    )
    for page in pages:
        for v in page.get("Versions", []):
            yield Version(v["Key"], v.get("VersionId") or "null", v["Size"], v["IsLatest"], False)
        for m in page.get("DeleteMarkers", []):
            yield Version(m["Key"], m.get("VersionId") or "null", 0, m["IsLatest"], True)


def delete_versions(bucket: str, found: list[Version], config: ObjectStoreSettings | None = None):
    """Delete exactly these versions (and markers); the number deleted."""
    s3 = client(config)
    for start in range(0, len(found), _DELETE_BATCH):
        chunk = found[start : start + _DELETE_BATCH]
        objects = [{"Key": v.key, "VersionId": v.version_id} for v in chunk]
        answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": True})
        if answer.get("Errors"):
            failed = len(answer["Errors"])
            raise OSError(f"s3://{bucket}: {failed} object versions could not be deleted")
    return len(found)


def purge_noncurrent(uri: str, config: ObjectStoreSettings | None = None) -> int:
    """Delete every noncurrent version and every delete marker under ``uri``: what vacuums,
    log clean-ups and file deletes left behind in a versioned bucket. The current objects stay.

    Nothing the lakehouse reads is ever a noncurrent version (Delta and the stores read the
    latest object), so this loses nothing but the history an erasure must not leave.
    """
    bucket, _ = split(uri)
    old = [v for v in versions(uri, config) if v.delete_marker or not v.is_latest]
    return delete_versions(bucket, old, config) if old else 0


def download(version: Version, bucket: str, target: Any, config=None) -> None:
    """Write one version's bytes into the open binary file ``target`` (streamed)."""
    extra = {} if version.version_id == "null" else {"VersionId": version.version_id}
    client(config).download_fileobj(bucket, version.key, target, ExtraArgs=extra)
