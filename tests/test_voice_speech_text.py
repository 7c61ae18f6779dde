"""What the phone says for amounts, times, dates, digits, abbreviations and Markdown (before Piper)."""

from __future__ import annotations

import pytest

from voice_gateway.speech_text import spoken

CASES = [
    ("sort code 12-34-56", "sort code one two, three four, five six"),
    ("2026-02-30", "two oh two six oh two three oh"),
    ("on 31 June", "on thirty-one June"),
    ("on 29 February", "on the twenty-ninth of February"),
    # currency
    ("£1,842.56", "one thousand eight hundred and forty-two pounds fifty-six"),
    ("£500 a day", "five hundred pounds a day"),
    ("£1", "one pound"),
    ("£0.50", "fifty pence"),
    ("50p", "fifty pence"),
    ("£2,310.00.", "two thousand three hundred and ten pounds."),
    ("up to £100 per payment", "up to one hundred pounds per payment"),
    ("€25.5", "twenty-five euros fifty"),
    ("$3", "three dollars"),
    # times
    ("09:00 to 13:00", "nine a m to one p m"),
    ("9:00-17:00", "nine a m to five p m"),
    ("17:45", "five forty-five p m"),
    ("09:05", "nine oh five a m"),
    ("12:00", "midday"),
    ("00:00", "midnight"),
    ("9am to 5pm", "nine a m to five p m"),
    ("5.30pm", "five thirty p m"),
    ("by 4 p.m.", "by four p m"),
    # dates
    ("on 2026-03-14", "on the fourteenth of March twenty twenty-six"),
    ("14/03/2026", "the fourteenth of March twenty twenty-six"),
    ("1 March 2026", "the first of March twenty twenty-six"),
    ("by 3 Jan", "by the third of January"),
    ("Mon-Fri", "Monday to Friday"),
    ("the 3rd", "the third"),
    ("in 2025", "in twenty twenty-five"),
    # percentages and AER
    ("4.1% AER", "four point one per cent A E R"),
    ("2.75 % APR", "two point seven five per cent A P R"),
    ("0.5%", "zero point five per cent"),
    ("100%", "one hundred per cent"),
    # digit by digit
    ("card ending 4821", "card ending four eight two one"),
    ("the card ending in 0093", "the card ending in oh oh nine three"),
    ("last four digits 7012", "last four digits seven oh one two"),
    ("account 31846207", "account three one eight four six two oh seven"),
    ("call 0330 123 4567", "call oh three three oh, one two three, four five six seven"),
    ("+44 330 123 4000", "plus four four, three three oh, one two three, four oh oh oh"),
    # plain numbers
    ("3 days", "three days"),
    ("1,000 points", "one thousand points"),
    ("2.5 times", "two point five times"),
    # abbreviations
    ("use an ATM", "use an A T M"),
    ("your PIN", "your pin"),
    ("your IBAN and BIC", "your I ban and bick"),
    ("photo ID", "photo I D"),
    ("e.g. a fee", "for example a fee"),
    ("PINs and ATMs", "PINs and ATMs"),  # a plural is left to the voice, not half-replaced
    ("Q&A", "Q and A"),
    # Markdown, never read as "asterisk"
    ("tap **Cards**", "tap Cards"),
    ("a *small* fee", "a small fee"),
    ("see [our fees](/help/account-fees)", "see our fees"),
    ("**Cards > Settings**", "Cards, Settings"),
    ("1. Open the app\n2. Tap **Cards**.", "Open the app. Tap Cards."),
    ("- first\n- second", "first. second"),
    ("## Fees\nNo fee.", "Fees. No fee."),
    ("`code`", "code"),
    # unchanged
    ("Your card is blocked.", "Your card is blocked."),
    ("", ""),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_spoken(text: str, expected: str) -> None:
    assert spoken(text) == expected


def test_no_markdown_mark_or_digit_reaches_the_voice() -> None:
    text = "Tap **View PIN**. Pay up to £100 at 09:30, call 0330 123 4567, 4.1% AER, ending 4821."
    said = spoken(text)
    assert not any(ch.isdigit() or ch in "*£%" for ch in said), said
