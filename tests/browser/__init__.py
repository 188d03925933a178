"""Real-browser journeys (issue 8). A package, so that its conftest does not shadow
``tests/conftest.py`` for modules that ``from conftest import ...``."""
