"""``flask --app shop users …``: manage users from the command line."""

from flask.cli import AppGroup

users_cli = AppGroup("users", help="Manage users and companies.")
