"""Deployment facts: who the processor is, who hosts the product and stores its data, and where.

The record of processing (GDPR art. 30(2)) names the processor that signs the data processing
agreement, its data-protection contact, its sub-processors and the transfers outside the EEA.
Who and where are facts of a deployment, not of the code: they are declared in the deployment
file (``CCR_DEPLOYMENT_FILE``, ``config/deployment.yaml``), checked when read, each error naming
the file and the field, never the value.

Where the data goes is decided by the settings, though: local paths are on the hosting's
machines, an ``s3://`` lakehouse or landing is behind its object store's endpoint (AWS's, in the
bucket's region, when no endpoint is set), the call-batch steps run on the workers that reach
the Celery broker. ``locations`` derives each from the settings and finds, in the declarations,
who runs it and in which country; ``require_lawful_locations`` (called at the edges, where the
settings enter) refuses a host nobody declares, a declaration the settings contradict (an AWS
region in another country), and a country outside the EEA without a safeguard. So a document
can only say what the configuration does.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import phonenumbers
import yaml

from transforms.core.object_store import is_s3
from transforms.core.settings import REPO_ROOT, Settings, SettingsError
from transforms.core.yaml_files import read_yaml

#: The EEA: the 27 EU member states, Iceland, Liechtenstein and Norway (ISO 3166-1 alpha-2).
EEA = frozenset({
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
    "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
})  # fmt: skip
#: Countries with a Commission adequacy decision (GDPR art. 45), as of December 2026. The United
#: States' (the EU-US Data Privacy Framework, 2023/1795) covers certified organisations only: the
#: safeguard's reference must name the certification.
ADEQUACY = frozenset({
    "AD", "AR", "CA", "CH", "FO", "GB", "GG", "IL", "IM", "JE", "JP", "KR", "NZ", "US", "UY",
})  # fmt: skip
#: Safeguards for a transfer outside the EEA (GDPR art. 45-47), as the record words them.
SAFEGUARDS = {
    "adequacy": "adequacy decision of the European Commission (GDPR art. 45)",
    "sccs": "standard contractual clauses (GDPR art. 46(2)(c), Decision (EU) 2021/914)",
    "bcr": "binding corporate rules (GDPR art. 47)",
}
#: AWS regions and the country their data centres are in: with ``CCR_S3_ENDPOINT_URL`` unset the
#: lakehouse is on AWS S3, in ``CCR_S3_REGION``, and that region, not a declaration, says where.
AWS_REGIONS = {
    "us-east-1": "US", "us-east-2": "US", "us-west-1": "US", "us-west-2": "US",
    "us-gov-east-1": "US", "us-gov-west-1": "US", "ca-central-1": "CA", "ca-west-1": "CA",
    "mx-central-1": "MX", "sa-east-1": "BR", "af-south-1": "ZA", "il-central-1": "IL",
    "me-south-1": "BH", "me-central-1": "AE", "ap-east-1": "HK", "ap-south-1": "IN",
    "ap-south-2": "IN", "ap-southeast-1": "SG", "ap-southeast-2": "AU", "ap-southeast-3": "ID",
    "ap-southeast-4": "AU", "ap-southeast-5": "MY", "ap-southeast-7": "TH",
    "ap-northeast-1": "JP", "ap-northeast-2": "KR", "ap-northeast-3": "JP",
    "cn-north-1": "CN", "cn-northwest-1": "CN", "eu-central-1": "DE", "eu-central-2": "CH",
    "eu-west-1": "IE", "eu-west-2": "GB", "eu-west-3": "FR", "eu-north-1": "SE",
    "eu-south-1": "IT", "eu-south-2": "ES",
}  # fmt: skip
_AWS_HOST = re.compile(r"^(?:.+\.)?s3[.-]([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$")
#: Broker transports that never leave the machine: the steps run on the hosting's machines.
_LOCAL_TRANSPORTS = ("redis+socket", "socket", "memory")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: Domains reserved for examples (RFC 2606): a file using one is the shipped example.
_EXAMPLE_DOMAIN = re.compile(r"@(?:[\w-]+\.)*example\.(?:com|org|net)$|@[\w.-]+\.example$", re.I)
#: A host no pattern of a real declaration can match (``*``, ``*.*`` would).
_ANY_HOST = "any-host.nowhere.invalid"
#: ``hosting.provider`` when the processor runs the machines itself.
OWN = "processor"


class DeploymentError(SettingsError):
    """The deployment file is invalid, or the settings send data where it does not say."""


@dataclass(frozen=True)
class Contact:
    name: str
    email: str
    phone: str | None = None


@dataclass(frozen=True)
class Processor:
    """The company that signs the data processing agreement (GDPR art. 28)."""

    name: str
    address: str
    country: str
    contact: Contact
    registration: str | None = None
    #: The shipped example: every document made from it says so.
    example: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "address": self.address,
            "country": self.country,
            "registration": self.registration,
            "data_protection_contact": {
                "name": self.contact.name,
                "email": self.contact.email,
                "phone": self.contact.phone,
            },
            "example": self.example,
        }


@dataclass(frozen=True)
class Safeguard:
    kind: str
    reference: str

    def __str__(self) -> str:
        return f"{SAFEGUARDS[self.kind]}: {self.reference}"


@dataclass(frozen=True)
class Site:
    """Who runs a part of the deployment, in which country: the hosting, or a sub-processor."""

    #: Where it is declared (``hosting``, ``sub_processors[1]``), for messages.
    field: str
    #: ``processor``, or the sub-processor's id.
    id: str
    name: str
    service: str
    country: str
    hosts: tuple[str, ...] = ()
    safeguard: Safeguard | None = None
    address: str | None = None

    @property
    def in_eea(self) -> bool:
        return self.country in EEA

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "address": self.address,
            "service": self.service,
            "country": self.country,
            "in_eea": self.in_eea,
            "hosts": list(self.hosts),
            "safeguard": str(self.safeguard) if self.safeguard else None,
        }

    def serves(self, host: str) -> bool:
        host = host.lower().strip("[]")
        return any(fnmatch.fnmatchcase(host, pattern.lower()) for pattern in self.hosts)


@dataclass(frozen=True)
class Deployment:
    path: str
    processor: Processor
    hosting: Site
    sub_processors: tuple[Site, ...] = ()

    @property
    def sites(self) -> tuple[Site, ...]:
        return (self.hosting, *self.sub_processors)


@dataclass(frozen=True)
class Location:
    """Where a part of the data is, derived from the settings, and who holds it there."""

    what: str
    #: The settings that put it there.
    settings: tuple[str, ...]
    #: In words: "this machine's disks", "s3.eu-west-3.amazonaws.com (AWS S3, eu-west-3)".
    where: str
    site: Site

    @property
    def country(self) -> str:
        return self.site.country

    def as_dict(self) -> dict[str, Any]:
        return {
            "what": self.what,
            "settings": list(self.settings),
            "where": self.where,
            "held_by": self.site.name,
            "declared_in": self.site.field,
            "country": self.country,
            "in_eea": self.site.in_eea,
        }


@dataclass(frozen=True)
class Transfer:
    """Data leaving the EEA: to whom, which country, what, under which safeguard."""

    site: Site
    what: tuple[str, ...]

    @property
    def country(self) -> str:
        return self.site.country

    def as_dict(self) -> dict[str, Any]:
        return {
            "to": self.site.name,
            "declared_in": self.site.field,
            "country": self.country,
            "what": list(self.what),
            "safeguard": str(self.site.safeguard) if self.site.safeguard else None,
        }


# --------------------------------------------------------------------------- reading the file


def load_deployment(path: str | Path) -> Deployment:
    """Read and check the deployment file; an error names the file and the field."""
    where = _shown(str(path))
    try:
        raw = read_yaml(path)
    except FileNotFoundError:
        raise DeploymentError(
            f"{where}: no such file (CCR_DEPLOYMENT_FILE): write the processor's identity, "
            "hosting and sub-processors there (docs/configuration.md#deployment-file)"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark is not None else ""
        raise DeploymentError(f"{where}: not valid YAML{line}") from None
    raw = _mapping(raw, where, "the file")
    _no_unknown(raw, ("processor", "hosting", "sub_processors"), where, "")
    processor = _processor(_mapping(raw.get("processor"), where, "processor"), where)
    subs = _list(raw.get("sub_processors"), where, "sub_processors")
    sub_processors = tuple(
        _sub_processor(s, where, f"sub_processors[{i}]") for i, s in enumerate(subs)
    )
    ids = [s.id for s in sub_processors]
    for i, sid in enumerate(ids):
        if sid == OWN or sid in ids[:i]:
            raise DeploymentError(
                f"{where}: sub_processors[{i}].id: must be unique and not {OWN!r} "
                "(hosting.provider names a sub-processor by it)"
            )
    hosting = _hosting(
        _mapping(raw.get("hosting"), where, "hosting"), where, processor, sub_processors
    )
    if not processor.example and _EXAMPLE_DOMAIN.search(processor.contact.email):
        raise DeploymentError(
            f"{where}: processor.data_protection_contact.email: a domain reserved for examples "
            "while processor.example is false: write the real contact, or mark the file as the "
            "example it is (example: true)"
        )
    return Deployment(where, processor, hosting, sub_processors)


def _processor(raw: Mapping[str, Any], where: str) -> Processor:
    _no_unknown(
        raw,
        ("name", "address", "country", "registration", "data_protection_contact", "example"),
        where,
        "processor.",
    )
    contact_raw = _mapping(
        raw.get("data_protection_contact"), where, "processor.data_protection_contact"
    )
    _no_unknown(
        contact_raw, ("name", "email", "phone"), where, "processor.data_protection_contact."
    )
    email = _text(contact_raw, "email", where, "processor.data_protection_contact")
    if not _EMAIL.match(email):
        raise DeploymentError(
            f"{where}: processor.data_protection_contact.email: not an e-mail address "
            "(the controller and data subjects write to it)"
        )
    example = raw.get("example", False)
    if not isinstance(example, bool):
        raise DeploymentError(f"{where}: processor.example: must be true or false")
    return Processor(
        name=_text(raw, "name", where, "processor"),
        address=_text(raw, "address", where, "processor"),
        country=_country(raw.get("country"), where, "processor.country"),
        registration=_optional_text(raw, "registration", where, "processor"),
        contact=Contact(
            name=_text(contact_raw, "name", where, "processor.data_protection_contact"),
            email=email,
            phone=_optional_text(contact_raw, "phone", where, "processor.data_protection_contact"),
        ),
        example=example,
    )


def _sub_processor(raw: Any, where: str, field_name: str) -> Site:
    raw = _mapping(raw, where, field_name)
    _no_unknown(
        raw,
        ("id", "name", "address", "service", "location", "hosts", "safeguard"),
        where,
        f"{field_name}.",
    )
    sid = _text(raw, "id", where, field_name)
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", sid):
        raise DeploymentError(
            f"{where}: {field_name}.id: lower-case letters, digits, '-' or '_' (a short name)"
        )
    return Site(
        field=field_name,
        id=sid,
        name=_text(raw, "name", where, field_name),
        address=_text(raw, "address", where, field_name),
        service=_text(raw, "service", where, field_name),
        country=_country(raw.get("location"), where, f"{field_name}.location"),
        hosts=_hosts(raw.get("hosts"), where, f"{field_name}.hosts"),
        safeguard=_safeguard(raw.get("safeguard"), where, f"{field_name}.safeguard", raw),
    )


def _hosting(
    raw: Mapping[str, Any], where: str, processor: Processor, subs: tuple[Site, ...]
) -> Site:
    _no_unknown(raw, ("provider", "location", "hosts", "safeguard"), where, "hosting.")
    provider = _text(raw, "provider", where, "hosting")
    by_id = {s.id: s for s in subs}
    if provider != OWN and provider not in by_id:
        raise DeploymentError(
            f"{where}: hosting.provider: {OWN!r} (the processor's own machines) or the id of "
            "one of sub_processors"
        )
    sub = by_id.get(provider)
    return Site(
        field="hosting",
        id=provider,
        name=processor.name if sub is None else sub.name,
        address=processor.address if sub is None else sub.address,
        service="hosting: the machines that run ccr, Dagster and the workers and hold the local "
        "files",
        country=_country(raw.get("location"), where, "hosting.location"),
        hosts=_hosts(raw.get("hosts"), where, "hosting.hosts"),
        safeguard=_safeguard(raw.get("safeguard"), where, "hosting.safeguard", raw),
    )


def _safeguard(
    raw: Any, where: str, field_name: str, parent: Mapping[str, Any]
) -> Safeguard | None:
    if raw is None:
        return None
    raw = _mapping(raw, where, field_name)
    _no_unknown(raw, ("type", "reference"), where, f"{field_name}.")
    kind = raw.get("type")
    if kind not in SAFEGUARDS:
        raise DeploymentError(f"{where}: {field_name}.type: one of {', '.join(SAFEGUARDS)}")
    reference = _text(raw, "reference", where, field_name)
    country = parent.get("location")
    if kind == "adequacy" and country not in ADEQUACY:
        raise DeploymentError(
            f"{where}: {field_name}.type: adequacy, but the Commission has no adequacy decision "
            "for that location: use sccs (standard contractual clauses) or bcr"
        )
    return Safeguard(kind, reference)


def _country(raw: Any, where: str, field_name: str) -> str:
    if raw is None or raw == "":
        raise DeploymentError(f"{where}: {field_name}: required (an ISO 3166-1 country code, FR)")
    if not isinstance(raw, str) or raw not in phonenumbers.SUPPORTED_REGIONS:
        raise DeploymentError(
            f"{where}: {field_name}: not an ISO 3166-1 alpha-2 country code (FR, DE, IE, US; "
            "GB for the United Kingdom)"
        )
    return raw


def _hosts(raw: Any, where: str, field_name: str) -> tuple[str, ...]:
    items = _list(raw, where, field_name)
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item.strip() or "/" in item or "://" in item:
            raise DeploymentError(
                f"{where}: {field_name}[{i}]: a host name or address, or a pattern "
                "(*.example.net), without scheme or path"
            )
        if fnmatch.fnmatchcase(_ANY_HOST, item.strip().lower()):
            raise DeploymentError(
                f"{where}: {field_name}[{i}]: a pattern that matches any host would declare "
                "every place the data could go as this site's: name the hosts, or a domain "
                "(*.example.net)"
            )
    return tuple(i.strip().lower().strip("[]") for i in items)


def _mapping(raw: Any, where: str, field_name: str) -> Mapping[str, Any]:
    if not isinstance(raw, dict):
        raise DeploymentError(f"{where}: {field_name}: required (a mapping)")
    return raw


def _list(raw: Any, where: str, field_name: str) -> list[Any]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise DeploymentError(f"{where}: {field_name}: must be a list")
    return raw


def _text(raw: Mapping[str, Any], key: str, where: str, parent: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise DeploymentError(f"{where}: {parent}.{key}: required (text)")
    return value.strip()


def _optional_text(raw: Mapping[str, Any], key: str, where: str, parent: str) -> str | None:
    return _text(raw, key, where, parent) if raw.get(key) is not None else None


def _no_unknown(raw: Mapping[str, Any], known: tuple[str, ...], where: str, prefix: str) -> None:
    for key in raw:
        if key not in known:
            raise DeploymentError(
                f"{where}: {prefix}{key}: not a field here (expected {', '.join(known)})"
            )


# --------------------------------------------------------------------------- where the data is


def _host_of(url: str) -> str | None:
    return urlsplit(url if "://" in url else f"https://{url}").hostname


def _store_location(
    uri: str, variable: str, what: str, settings: Settings, deployment: Deployment
) -> Location:
    """An ``s3://`` location: the endpoint's host (AWS's in the region when none is set), the
    site that declares that host, and for AWS the region's country, which the site must state."""
    endpoint = settings.object_store.endpoint_url
    if endpoint:
        host = _host_of(endpoint) or endpoint
        used = (variable, "CCR_S3_ENDPOINT_URL")
    else:
        host = f"s3.{settings.object_store.region}.amazonaws.com"
        used = (variable, "CCR_S3_REGION")
    aws = _AWS_HOST.match(host)
    region = aws.group(1) if aws else None
    if region is not None and region not in AWS_REGIONS:
        raise DeploymentError(
            f"{variable} is on AWS S3 in region {region!r}, which this version cannot place in "
            "a country: check CCR_S3_REGION (or set CCR_S3_ENDPOINT_URL for a store that is "
            "not AWS)"
        )
    country = AWS_REGIONS.get(region or "")
    shown = f"{host} (AWS S3, {region}, in {country})" if region else host
    site = _site_for(
        host,
        deployment,
        f"{variable} ({what}) is on {shown}",
        hint=f"a sub-processor with hosts: [{host}], location: {country}"
        + ("" if country in EEA else " and a safeguard (outside the EEA)")
        if region
        else "",
    )
    if region is not None and country != site.country:
        raise DeploymentError(
            f"{_shown(deployment.path)}: {site.field}.location: {variable} is on AWS S3 in "
            f"{region}, in {country}, but {site.field} declares another country: declare the "
            "region's country (and, outside the EEA, a safeguard), or set CCR_S3_REGION to the "
            "region the bucket is in"
        )
    bucket = uri.split("://", 1)[1].split("/", 1)[0]
    where = f"bucket {bucket} on {host}" + (f" (AWS S3, {region})" if region else "")
    return Location(what, used, where, site)


def _site_for(host: str, deployment: Deployment, what: str, hint: str = "") -> Site:
    for site in deployment.sites:
        if site.serves(host):
            return site
    raise DeploymentError(
        f"{_shown(deployment.path)}: {what}, which no site declares: add "
        + (
            hint
            or "the host to hosting.hosts (the processor's machines) or to the hosts of the "
            "sub-processor that runs it, with its location"
        )
        + " (docs/configuration.md#deployment-file)"
    )


def _shown(path: str) -> str:
    """The file as messages name it: relative to the repository when it is the shipped one."""
    try:
        return str(Path(path).relative_to(REPO_ROOT))
    except ValueError:
        return path


def locations(settings: Settings, deployment: Deployment) -> list[Location]:
    """Where each part of the data is, from the settings; who holds it there, from the file."""
    local = ["CCR_HOME", "CCR_WAREHOUSE", "CCR_KEYS", "DAGSTER_HOME"]
    stores = []
    for uri, variable, what in (
        (
            settings.lakehouse,
            "CCR_LAKEHOUSE",
            "the lakehouse: recordings, transcripts, scores, reviews, quarantined bytes",
        ),
        (settings.landing, "CCR_LANDING", "landing: recordings and manifests as delivered"),
    ):
        if is_s3(uri):
            stores.append(_store_location(uri, variable, what, settings, deployment))
        elif "://" in uri and not uri.startswith("file://"):
            raise DeploymentError(
                f"{variable} is a {uri.split('://')[0]}:// URI, which this version cannot place "
                "in a country: use a local path or s3:// (docs/object-storage.md)"
            )
        else:
            local.append(variable)
    found = [
        Location(
            "local files: " + ", ".join(local),
            tuple(local),
            "the hosting's disks",
            deployment.hosting,
        ),
        *stores,
    ]
    for variable, url in (
        ("CCR_CELERY_BROKER", settings.celery_broker),
        ("CCR_CELERY_BACKEND", settings.celery_backend),
    ):
        if not url:
            continue
        if variable == "CCR_CELERY_BACKEND" and url == settings.celery_broker:
            continue  # the same server
        what = (
            "Celery workers (call-batch steps: recordings, transcripts, scores) and the broker"
            if variable == "CCR_CELERY_BROKER"
            else "Celery results (step outcomes)"
        )
        parts = urlsplit(url)
        if parts.scheme in _LOCAL_TRANSPORTS:
            found.append(Location(what, (variable,), "a local socket", deployment.hosting))
            continue
        host = parts.hostname or "localhost"  # redis:// with no host is localhost
        site = _site_for(host, deployment, f"{variable}'s host {host} ({what})")
        found.append(Location(what, (variable,), host, site))
    return found


def transfers(deployment: Deployment, found: list[Location]) -> list[Transfer]:
    """Every site outside the EEA, with what goes there: the locations the settings put there,
    else the service it is declared for (a sub-processor the settings do not name still
    processes the data, or it would not be declared)."""
    out = []
    for site in deployment.sites:
        if site.in_eea:
            continue
        what = tuple(loc.what for loc in found if loc.site is site) or (site.service,)
        out.append(Transfer(site, what))
    return out


def transfer_problems(deployment: Deployment, found: list[Location]) -> list[str]:
    """A transfer outside the EEA without a declared safeguard: one line each."""
    return [
        f"{_shown(deployment.path)}: {t.site.field}.safeguard: required: {t.site.name} is in "
        f"{t.country}, outside the EEA, and receives {'; '.join(t.what)}. Declare the "
        "safeguard the transfer rests on (safeguard: {type: adequacy|sccs|bcr, reference: "
        "...}) or keep the data in the EEA"
        for t in transfers(deployment, found)
        if t.site.safeguard is None
    ]


@dataclass(frozen=True)
class Facts:
    """The deployment as checked against the settings: what the record of processing states."""

    deployment: Deployment
    locations: tuple[Location, ...]
    transfers: tuple[Transfer, ...]


def require_lawful_locations(settings: Settings) -> Facts:
    """Read the deployment file of ``settings`` and check the settings against it; what the edges
    call at start-up. Raises ``DeploymentError`` (a ``SettingsError``) listing every problem."""
    deployment = load_deployment(settings.deployment_file)
    found = locations(settings, deployment)
    problems = transfer_problems(deployment, found)
    if problems:
        raise DeploymentError("\n".join(problems))
    return Facts(deployment, tuple(found), tuple(transfers(deployment, found)))
