"""What the caller hears: written replies rewritten into words before Piper reads them."""

from __future__ import annotations

import pytest

from voice_gateway.spoken import speakable

CASES = [
    # currency
    ("£500 a day", "five hundred pounds a day"),
    ("£1,842.56", "one thousand, eight hundred and forty-two pounds and fifty-six pence"),
    ("£1", "one pound"),
    ("£0.50", "fifty pence"),
    ("£2.5", "two pounds and fifty pence"),
    ("up to £10,000", "up to ten thousand pounds"),
    ("$20", "twenty dollars"),
    ("€1.01", "one euro and one cent"),
    # times
    ("09:00 to 13:00", "nine a m to one p m"),
    ("open 8:30 to 17:45", "open eight thirty a m to five forty-five p m"),
    ("at 12:00", "at midday"),
    ("until 00:00", "until midnight"),
    ("from 9am", "from nine a m"),
    ("by 5.30pm", "by five thirty p m"),
    ("at 10:05", "at ten oh five a m"),
    # dates
    ("on 2026-12-04", "on the fourth of December twenty twenty-six"),
    ("born 14/03/1985", "born the fourteenth of March nineteen eighty-five"),
    ("by 1 March", "by the first of March"),
    ("on 25th December 2026", "on the twenty-fifth of December twenty twenty-six"),
    ("2026-02-30", "2026-02-30"),
    # percentages and rates
    ("a 2.75% fee", "a two point seven five per cent fee"),
    ("0.5%", "zero point five per cent"),
    ("4.1% AER", "four point one per cent A E R"),
    ("19.9% APR", "nineteen point nine per cent A P R"),
    ("100%", "one hundred per cent"),
    # identifiers digit by digit
    ("your card ending 4821", "your card ending four eight two one"),
    ("the account ending in 6207", "the account ending in six two zero seven"),
    ("account 31846207", "account three one eight four six two zero seven"),
    ("reference 900123", "reference nine zero zero one two three"),
    ("sort code 12-34-56", "sort code one two, three four, five six"),
    ("call +44 330 123 4567", "call plus four four, three three zero, one two three, four five six seven"),
    ("call 0800 123 4567", "call zero eight zero zero, one two three, four five six seven"),
    # abbreviations
    ("at any ATM", "at any A T M"),
    ("two ATMs nearby", "two A T Ms nearby"),
    ("your IBAN and BIC", "your eye-ban and bick"),
    ("change your PIN", "change your pin"),
    ("in the UK", "in the U K"),
    ("a photo ID", "a photo I D"),
    ("e.g. rent", "for example rent"),
    # numbers
    ("the 3rd payment", "the third payment"),
    ("1,500 points", "one thousand, five hundred points"),
    ("3 to 5 working days", "3 to 5 working days"),
    # Markdown never spoken
    ("Tap **Cards > Settings**.", "Tap Cards > Settings."),
    ("See [our fees](https://example.com/fees).", "See our fees."),
    ("## Before you go\n- Tell us\n- Check", "Before you go. Tell us. Check"),
    ("1. Open the app\n2. Tap Cards", "Open the app. Tap Cards"),
    ("cards & payments", "cards and payments"),
    ("debit/credit", "debit or credit"),
]


@pytest.mark.parametrize(("written", "spoken"), CASES)
def test_written_forms_are_spoken_as_words(written: str, spoken: str) -> None:
    assert speakable(written) == spoken


def test_plain_sentences_are_unchanged() -> None:
    text = "Your card is blocked. A new one will arrive in 3 to 5 working days."
    assert speakable(text) == text
