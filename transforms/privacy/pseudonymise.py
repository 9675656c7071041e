"""Keyed pseudonyms (HMAC-SHA256) with a per-tenant secret, of caller numbers read as E.164.

The same caller number always maps to the same key within a tenant, so repeat callers can be
counted, and never across tenants, so two clients' data cannot be joined. The secrets come from a
``transforms.core.keys.KeyStore``, which fails closed.

A number is one person however it is written: it is parsed with ``phonenumbers`` in the tenant's
``phone_region`` (the registry's) and keyed as E.164, so "07700 900123", "+44 7700 900123" and
"0044 7700 900123" give one key for a GB tenant. A number in national form needs the region; one
that does not parse raises ``PhoneNumberError`` (ingest quarantines its row as
``invalid_caller_phone``).

Before E.164, the key was taken over the number *as written* less punctuation (``legacy_form``):
a national "07700900123" and an international "+447700900123" got two keys. Those old keys are
not recomputable without the number, which was never stored, so a lookup by number (a
data-subject request, the residual scan, the re-keying migration of ``rekey.py``) tries the E.164
key and every key the old rule could have given the same number (``lookup_keys``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from pathlib import Path

import phonenumbers

from transforms.core.keys import KeyStore

_E164 = phonenumbers.PhoneNumberFormat.E164
_NATIONAL = phonenumbers.PhoneNumberFormat.NATIONAL
_INTERNATIONAL = phonenumbers.PhoneNumberFormat.INTERNATIONAL


class PhoneNumberError(ValueError):
    """A caller number that does not parse as a phone number (the message never quotes it)."""


def legacy_form(raw: str) -> str:
    """The number as the rule before E.164 keyed it: digits and ``+``, ``00`` read as ``+``."""
    digits = re.sub(r"[^\d+]", "", raw.strip())
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    return digits


def parse(raw: str, region: str | None) -> phonenumbers.PhoneNumber:
    """The number, read in ``region`` when it has no country code; ``PhoneNumberError`` when it
    does not parse or is not a possible number (its length) of its country."""
    hint = "" if region else " (a national number needs the tenant's phone_region)"
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise PhoneNumberError(f"the number does not parse as a phone number{hint}") from None
    if not phonenumbers.is_possible_number(number):
        raise PhoneNumberError(f"the number is not the length of a number of its country{hint}")
    return number


def e164(raw: str, region: str | None = None) -> str:
    """``raw`` as E.164 (``+447700900123``); raises ``PhoneNumberError``."""
    return phonenumbers.format_number(parse(raw, region), _E164)


def normalise_phone(raw: str, region: str | None = None) -> str:
    """E.164 when ``raw`` parses (in ``region``), else the number as written less punctuation:
    what a lookup by a number that does not parse can still find."""
    try:
        return e164(raw, region)
    except PhoneNumberError:
        return legacy_form(raw)


def legacy_forms(raw: str, region: str | None = None) -> set[str]:
    """Every string the rule before E.164 may have keyed for this number, whichever way a
    manifest wrote it: ``+CC…`` (international, ``00``), ``CC…`` (without ``+``), the national
    digits with their trunk prefix (``07700900123``), ``+CC0…`` ("+44 (0)7700 …") and the
    national significant number alone. A number that does not parse: only as written."""
    try:
        number = parse(raw, region)
    except PhoneNumberError:
        return {legacy_form(raw)} - {""}
    international = phonenumbers.format_number(number, _E164)
    national = re.sub(r"\D", "", phonenumbers.format_number(number, _NATIONAL))
    significant = phonenumbers.national_significant_number(number)
    forms = {international, international[1:], national, significant, legacy_form(raw)}
    if national != significant:  # a trunk prefix: "+44 (0)7700 …" kept its 0
        forms.add(f"+{number.country_code}{national}")
    return {f for f in forms if f}


def pseudonym(store: KeyStore, tenant_id: str, value: str) -> str:
    return hmac.new(store.secret(tenant_id), value.encode(), hashlib.sha256).hexdigest()


def caller_key(
    store: KeyStore, tenant_id: str, phone: str | None, region: str | None = None
) -> str | None:
    """The caller's pseudonym: the keyed hash of the number as E.164 (None without a number).
    Raises ``PhoneNumberError`` for a number that does not parse in ``region``."""
    if not phone or not phone.strip():
        return None
    return pseudonym(store, tenant_id, e164(phone, region))


def lookup_keys(
    store: KeyStore, tenant_id: str, phone: str, region: str | None = None
) -> tuple[str, ...]:
    """The keys rows about this number may carry: the E.164 key first, then the keys the rule
    before E.164 gave its other spellings (rows ingested before the change and not re-keyed
    since). A number that does not parse: the key of the number as written."""
    secret = store.secret(tenant_id)

    def key(value: str) -> str:
        return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()

    first = normalise_phone(phone, region)
    if not first:
        return ()
    others = sorted(legacy_forms(phone, region) - {first})
    return tuple(dict.fromkeys(key(v) for v in [first, *others]))


def written_forms(raw: str, region: str | None = None) -> set[str]:
    """How the number may be written in a file, for the residual scan: as given, E.164, its
    digits, with ``00``, and the national and international forms phonenumbers writes (with
    and without their spaces)."""
    forms = {raw.strip(), legacy_form(raw)}
    try:
        number = parse(raw, region)
    except PhoneNumberError:
        return {f for f in forms if f}
    international = phonenumbers.format_number(number, _E164)
    shown = [phonenumbers.format_number(number, f) for f in (_NATIONAL, _INTERNATIONAL)]
    forms |= {international, international[1:], "00" + international[1:], *shown}
    forms |= {re.sub(r"[^\d+]", "", s) for s in shown}
    return {f for f in forms if f}


def tenant_phone_region(tenants_file: str | Path, tenant_id: str) -> str | None:
    """The registry's ``phone_region`` of ``tenant_id`` (None: unset, or not a registry tenant),
    for a request that names the tenant and gives a number as the client knows it."""
    from transforms.core.tenants import load_tenants

    tenant = load_tenants(tenants_file).get(tenant_id)
    return tenant.phone_region if tenant else None
