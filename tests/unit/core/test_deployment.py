"""Deployment facts: the file is checked field by field, and the settings cannot send data where
it does not say, nor outside the EEA without a safeguard; every edge refuses at start-up."""

from __future__ import annotations

import os

import pytest

from orchestration import cli
from orchestration.lib.environment import process_settings
from tests.deployment_files import AWS_US, SCCS, write_deployment
from transforms.core.deployment import (
    DeploymentError,
    load_deployment,
    require_lawful_locations,
)
from transforms.core.settings import Settings, SettingsError


def settings_for(tmp_path, deployment, **env) -> Settings:
    return Settings.from_env(
        {"CCR_HOME": str(tmp_path / "home"), "CCR_DEPLOYMENT_FILE": str(deployment), **env}
    )


AWS_BUCKET = {"CCR_LAKEHOUSE": "s3://ccr-lake/prod", "CCR_S3_REGION": "us-east-1"}


def test_the_shipped_demo_is_an_example_with_everything_on_this_machine(tmp_path):
    facts = require_lawful_locations(Settings.from_env({"CCR_HOME": str(tmp_path)}))
    processor = facts.deployment.processor
    assert processor.example and processor.contact.email.endswith("@example.com")
    assert facts.deployment.sub_processors == ()
    assert {loc.site.field for loc in facts.locations} == {"hosting"}
    assert facts.deployment.hosting.in_eea and facts.transfers == ()
    (local,) = facts.locations
    assert {"CCR_HOME", "CCR_LAKEHOUSE", "CCR_LANDING", "CCR_KEYS"} <= set(local.settings)


def test_the_s3_tests_loopback_store_is_on_this_machine_whatever_its_region(tmp_path):
    """SeaweedFS on loopback signs with us-east-1: the region of a store that is not AWS says
    nothing of where it is; its declared host does."""
    s = Settings.from_env(
        {
            "CCR_HOME": str(tmp_path),
            "CCR_LAKEHOUSE": "s3://ccr-test/lake",
            "CCR_S3_ENDPOINT_URL": "http://127.0.0.1:8333",
            "CCR_S3_REGION": "us-east-1",
            "CCR_CELERY_BROKER": "redis://127.0.0.1:6379/0",
        }
    )
    facts = require_lawful_locations(s)
    assert facts.transfers == ()
    store = next(loc for loc in facts.locations if "CCR_LAKEHOUSE" in loc.settings)
    assert store.site.field == "hosting" and store.country == "FR"
    assert "127.0.0.1" in store.where


def test_a_bucket_outside_the_eea_nobody_declares_is_refused_naming_the_setting(tmp_path):
    with pytest.raises(DeploymentError) as exc:
        require_lawful_locations(
            settings_for(tmp_path, write_deployment(tmp_path / "d.yaml"), **AWS_BUCKET)
        )
    message = str(exc.value)
    assert "CCR_LAKEHOUSE" in message and "s3.us-east-1.amazonaws.com" in message
    assert "location: US" in message and "safeguard" in message


def test_a_bucket_outside_the_eea_without_a_safeguard_is_refused(tmp_path):
    deployment = write_deployment(tmp_path / "d.yaml", sub_processors=[AWS_US])
    with pytest.raises(DeploymentError, match=r"sub_processors\[0\]\.safeguard: required") as exc:
        require_lawful_locations(settings_for(tmp_path, deployment, **AWS_BUCKET))
    assert "US, outside the EEA" in str(exc.value) and "the lakehouse" in str(exc.value)


def test_with_a_safeguard_the_transfer_is_listed_with_it(tmp_path):
    deployment = write_deployment(
        tmp_path / "d.yaml", sub_processors=[AWS_US | {"safeguard": SCCS}]
    )
    facts = require_lawful_locations(settings_for(tmp_path, deployment, **AWS_BUCKET))
    (transfer,) = facts.transfers
    assert transfer.country == "US" and transfer.site.name == AWS_US["name"]
    assert transfer.what == (
        "the lakehouse: recordings, transcripts, scores, reviews, quarantined bytes",
    )
    shown = transfer.as_dict()
    assert shown["safeguard"].startswith("standard contractual clauses")
    assert SCCS["reference"] in shown["safeguard"]


def test_a_declared_country_the_aws_region_contradicts_is_refused(tmp_path):
    """The region decides where an AWS bucket is: declaring Ireland for us-east-1 would make the
    record say the data stays in the EEA."""
    ireland = AWS_US | {"location": "IE"}
    deployment = write_deployment(tmp_path / "d.yaml", sub_processors=[ireland])
    with pytest.raises(DeploymentError, match=r"sub_processors\[0\]\.location: .*us-east-1, in US"):
        require_lawful_locations(settings_for(tmp_path, deployment, **AWS_BUCKET))


def test_an_aws_endpoint_written_out_is_placed_by_its_region_too(tmp_path):
    deployment = write_deployment(tmp_path / "d.yaml", sub_processors=[AWS_US | {"location": "IE"}])
    env = {"CCR_LAKEHOUSE": "s3://b/l", "CCR_S3_ENDPOINT_URL": "https://s3.us-east-1.amazonaws.com"}
    with pytest.raises(DeploymentError, match="in US"):
        require_lawful_locations(settings_for(tmp_path, deployment, **env))


def test_an_aws_region_of_unknown_country_is_refused(tmp_path):
    deployment = write_deployment(tmp_path / "d.yaml")
    with pytest.raises(DeploymentError, match="CCR_S3_REGION"):
        require_lawful_locations(
            settings_for(tmp_path, deployment, CCR_LAKEHOUSE="s3://b/l", CCR_S3_REGION="mars-1")
        )


def test_an_eea_bucket_declared_where_its_region_is_is_no_transfer(tmp_path):
    paris = AWS_US | {"id": "aws", "location": "FR", "hosts": ["s3.eu-west-3.amazonaws.com"]}
    deployment = write_deployment(tmp_path / "d.yaml", sub_processors=[paris])
    facts = require_lawful_locations(
        settings_for(tmp_path, deployment, CCR_LAKEHOUSE="s3://b/l", CCR_S3_REGION="eu-west-3")
    )
    assert facts.transfers == ()
    store = next(loc for loc in facts.locations if "CCR_LAKEHOUSE" in loc.settings)
    assert store.site.id == "aws" and "eu-west-3" in store.where


def test_workers_are_where_the_broker_is(tmp_path):
    workers = {
        "id": "gpu-cloud",
        "name": "GPU Cloud Inc.",
        "address": "1 Main Street, Toronto, Canada",
        "service": "GPU workers for transcription",
        "location": "CA",
        "hosts": ["*.gpu.example.net"],
        "safeguard": {"type": "adequacy", "reference": "Decision 2002/2/EC (PIPEDA)"},
    }
    deployment = write_deployment(tmp_path / "d.yaml", sub_processors=[workers])
    broker = "rediss://:pw@broker.gpu.example.net:6380/0"
    facts = require_lawful_locations(settings_for(tmp_path, deployment, CCR_CELERY_BROKER=broker))
    (transfer,) = facts.transfers
    assert transfer.country == "CA" and transfer.what[0].startswith("Celery workers")
    undeclared = "rediss://:pw@redis.elsewhere.net:6380/0"
    with pytest.raises(DeploymentError, match=r"CCR_CELERY_BROKER's host redis\.elsewhere\.net"):
        require_lawful_locations(settings_for(tmp_path, deployment, CCR_CELERY_BROKER=undeclared))


def test_a_declared_sub_processor_outside_the_eea_needs_a_safeguard_even_unused(tmp_path):
    support = {
        "id": "support",
        "name": "Support Ltd",
        "address": "1 Road, Bangalore, India",
        "service": "second-level support with remote access to the servers",
        "location": "IN",
    }
    deployment = write_deployment(tmp_path / "d.yaml", sub_processors=[support])
    with pytest.raises(DeploymentError, match=r"sub_processors\[0\]\.safeguard: required.*IN"):
        require_lawful_locations(settings_for(tmp_path, deployment))
    adequacy = support | {"safeguard": {"type": "adequacy", "reference": "none"}}
    with pytest.raises(DeploymentError, match=r"sub_processors\[0\]\.safeguard\.type: adequacy"):
        load_deployment(write_deployment(tmp_path / "d.yaml", sub_processors=[adequacy]))


BAD_FIELDS = [
    ({"processor.name": None}, "processor.name: required"),
    ({"processor.address": " "}, "processor.address: required"),
    ({"processor.country": "UK"}, "processor.country: not an ISO 3166-1"),
    ({"processor.data_protection_contact": None}, "processor.data_protection_contact: required"),
    ({"processor.data_protection_contact.email": "dpo at corp"}, "contact.email: not an e-mail"),
    ({"processor.data_protection_contact.name": None}, "data_protection_contact.name: required"),
    ({"processor.example": "yes"}, "processor.example: must be true or false"),
    ({"processor.example": False}, "contact.email: a domain reserved for examples"),
    ({"processor.nmae": "x"}, "processor.nmae: not a field here"),
    ({"hosting.location": None}, "hosting.location: required"),
    ({"hosting.provider": "ovh"}, "hosting.provider:"),
    ({"hosting.hosts": ["https://127.0.0.1"]}, r"hosting.hosts\[0\]: a host name"),
    ({"hosting.hosts": ["*"]}, r"hosting.hosts\[0\]: a pattern that matches any host"),
    ({"hosting.safeguard": {"type": "contract", "reference": "x"}}, "hosting.safeguard.type"),
]


@pytest.mark.parametrize(("changes", "names"), BAD_FIELDS)
def test_a_missing_or_invalid_field_is_named_never_its_value(tmp_path, changes, names):
    path = write_deployment(tmp_path / "deployment.yaml", changes)
    with pytest.raises(DeploymentError, match=names) as exc:
        load_deployment(path)
    assert str(exc.value).startswith(f"{path}: ")
    for value in changes.values():
        if isinstance(value, str) and len(value) > 3:
            assert value not in str(exc.value)


@pytest.mark.parametrize(
    ("entry", "names"),
    [
        ({"location": None}, r"sub_processors\[0\]\.location: required"),
        ({"name": None}, r"sub_processors\[0\]\.name: required"),
        ({"service": None}, r"sub_processors\[0\]\.service: required"),
        ({"id": "AWS US"}, r"sub_processors\[0\]\.id: lower-case"),
        ({"id": "processor"}, r"sub_processors\[0\]\.id: must be unique"),
        ({"safeguard": {"type": "sccs"}}, r"sub_processors\[0\]\.safeguard\.reference: required"),
        ({"hosts": "s3.us-east-1.amazonaws.com"}, r"sub_processors\[0\]\.hosts: must be a list"),
    ],
)
def test_a_sub_processor_field_is_named(tmp_path, entry, names):
    sub = {k: v for k, v in (AWS_US | entry).items() if v is not None}
    with pytest.raises(DeploymentError, match=names):
        load_deployment(write_deployment(tmp_path / "d.yaml", sub_processors=[sub]))


def test_two_sub_processors_of_one_id_are_refused(tmp_path):
    with pytest.raises(DeploymentError, match=r"sub_processors\[1\]\.id: must be unique"):
        load_deployment(write_deployment(tmp_path / "d.yaml", sub_processors=[AWS_US, AWS_US]))


def test_a_missing_or_broken_file_is_named(tmp_path):
    with pytest.raises(DeploymentError, match=r"no such file \(CCR_DEPLOYMENT_FILE\)"):
        load_deployment(tmp_path / "absent.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("processor: [unclosed\n")
    with pytest.raises(DeploymentError, match="not valid YAML"):
        load_deployment(broken)


# ------------------------------------------------------------------------------ at the edges


@pytest.fixture
def aws_without_safeguard(ccr_home, tmp_path, monkeypatch):
    monkeypatch.setenv(
        "CCR_DEPLOYMENT_FILE", str(write_deployment(tmp_path / "d.yaml", sub_processors=[AWS_US]))
    )
    for name, value in AWS_BUCKET.items():
        monkeypatch.setenv(name, value)


def test_ccr_refuses_to_start_and_names_the_field(aws_without_safeguard, capsys):
    for command in (["settings"], ["kpis"], ["compliance", "record"]):
        assert cli.main(command) == 2
        err = capsys.readouterr().err
        assert err.startswith("ccr: ") and "sub_processors[0].safeguard: required" in err


def test_the_workers_edge_and_the_code_location_refuse_too(aws_without_safeguard):
    with pytest.raises(SettingsError, match="safeguard"):
        process_settings()
    from orchestration.defs.resources import resources

    with pytest.raises(SettingsError, match="safeguard"):
        resources()
    from orchestration.lib.resources import SettingsResource

    resource = SettingsResource.from_env(os.environ)
    with pytest.raises(SettingsError, match="safeguard"):
        resource.setup_for_execution(None)  # type: ignore[arg-type]


def test_a_store_of_a_scheme_that_cannot_be_placed_is_refused(tmp_path):
    deployment = write_deployment(tmp_path / "d.yaml")
    with pytest.raises(DeploymentError, match=r"CCR_LAKEHOUSE is a gs:// URI"):
        require_lawful_locations(settings_for(tmp_path, deployment, CCR_LAKEHOUSE="gs://b/l"))
