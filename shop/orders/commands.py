"""``flask --app shop orders …``: list and process orders from the command line."""

from flask.cli import AppGroup

orders_cli = AppGroup("orders", help="List and process orders.")
