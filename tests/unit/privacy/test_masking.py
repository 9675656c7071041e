"""Phone numbers in names are masked; dates, counters and other digits are kept."""

import pytest

from transforms.privacy.masking import mask_phone_numbers


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("+33 6 39 98 01 23.wav", "+xx x xx xx xx xx.wav"),
        ("06.39.98.01.23.mp3", "xx.xx.xx.xx.xx.mp3"),
        ("0033639980123.wav", "xxxxxxxxxxxxx.wav"),
        ("call_33612345678_20261102T091500.mp3", "call_xxxxxxxxxxx_20261102T091500.mp3"),
        ("0639980123-20261102.wav", "xxxxxxxxxx-20261102.wav"),  # the date after it is kept
        ("(212) 555-0123.wav", "(xxx) xxx-xxxx.wav"),
        ("07700 900123.mp3", "xxxxx xxxxxx.mp3"),
        # not phone numbers
        ("acme-20261102-0001.mp3", "acme-20261102-0001.mp3"),
        ("20261102091500.wav", "20261102091500.wav"),
        ("appel-été n°1.mp3", "appel-été n°1.mp3"),
        ("order 12345.wav", "order 12345.wav"),
    ],
)
def test_phone_numbers_in_names_are_masked(name, masked):
    assert mask_phone_numbers(name) == masked
