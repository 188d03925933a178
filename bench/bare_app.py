"""The framework's ceiling: one Flask route returning a short string, nothing else.

The benchmark serves it with the same gunicorn settings as the shop (gunicorn.conf.py) in the
same run, and quotes the shop's speed as a ratio to it.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
