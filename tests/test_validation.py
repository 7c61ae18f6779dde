import pytest

from tandem import validation
from tandem.validation import InputError

MAX = 4096


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("hello", "hello"),
        ("  padded\n", "padded"),
        ("line one\nline two\ttab", "line one\nline two\ttab"),
        ("é" * 2048, "é" * 2048),  # 4096 bytes exactly
        ("x" * MAX, "x" * MAX),
    ],
)
def test_accepted_messages(value: str, expected: str) -> None:
    assert validation.message_text(value, MAX) == expected


@pytest.mark.parametrize(
    ("value", "code", "status"),
    [
        ("", "empty_message", 400),
        ("   \n\t ", "empty_message", 400),
        (None, "invalid_message", 400),
        (42, "invalid_message", 400),
        ("x" * (MAX + 1), "message_too_large", 413),
        ("é" * 2049, "message_too_large", 413),  # 2049 characters, 4098 bytes
        ("abc\x00def", "invalid_characters", 400),
        ("\x89PNG\r\n\x1a\n", "invalid_characters", 400),
    ],
)
def test_refused_messages(value: object, code: str, status: int) -> None:
    with pytest.raises(InputError) as caught:
        validation.message_text(value, MAX)
    assert (caught.value.code, caught.value.http_status) == (code, status)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"\xff\xfe\x00h", "invalid_encoding"),
        (b"\xc3\x28", "invalid_encoding"),
    ],
)
def test_non_utf8_is_refused(raw: bytes, code: str) -> None:
    with pytest.raises(InputError) as caught:
        validation.decode_utf8(raw)
    assert caught.value.code == code


@pytest.mark.parametrize("text", ["{", "[1, 2]", '"just a string"', "null", "{'single': 'quotes'}"])
def test_malformed_json_is_refused(text: str) -> None:
    with pytest.raises(InputError) as caught:
        validation.parse_json_object(text)
    assert caught.value.code == "malformed_json"


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("0123456789abcdef0123456789abcdef", True),
        ("0123456789ABCDEF0123456789abcdef", False),
        ("../../etc/passwd", False),
        ("", False),
        ("0123456789abcdef0123456789abcdef0", False),
    ],
)
def test_conversation_id_shape(value: str, ok: bool) -> None:
    if ok:
        assert validation.conversation_id(value) == value
    else:
        with pytest.raises(InputError) as caught:
            validation.conversation_id(value)
        assert caught.value.http_status == 404


@pytest.mark.parametrize(
    ("value", "result"),
    [(None, None), ("/affirm", "/affirm"), ('/inform{"last_four":"1234"}', '/inform{"last_four":"1234"}')],
)
def test_button_payloads(value: str | None, result: str | None) -> None:
    assert validation.button_payload(value, MAX) == result


def test_button_payload_must_look_like_an_intent() -> None:
    with pytest.raises(InputError) as caught:
        validation.button_payload("affirm", MAX)
    assert caught.value.code == "invalid_payload"
