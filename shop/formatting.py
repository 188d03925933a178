"""Template helpers: money and dates as people read them."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from flask import Flask

SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}
CENT = Decimal("0.01")


def format_money(amount: Decimal | int | None, currency: str = "EUR") -> str:
    """``Decimal('1234.5'), 'EUR'`` → ``€1,234.50``; unknown currencies keep their code."""
    if amount is None:
        return ""
    value = Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "−" if value < 0 else ""
    text = f"{abs(value):,.2f}"
    symbol = SYMBOLS.get(currency)
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{currency} {text}"


def format_quantity(value: Decimal | int) -> str:
    """Whole quantities without decimals, fractional ones without trailing zeros."""
    number = Decimal(value)
    if number == number.to_integral_value():
        return f"{number:.0f}"
    return f"{number.normalize():f}"


def format_datetime(value: dt.datetime | None) -> str:
    return value.strftime("%d %b %Y, %H:%M UTC") if value else ""


def format_date(value: dt.date | None) -> str:
    return value.strftime("%d %b %Y") if value else ""


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters.update(
        money=format_money, qty=format_quantity, datetime=format_datetime, date=format_date
    )
