"""Guard rails: patterns that must never appear in the shop's code and templates.

Each rule names the threat it keeps out (see docs/security.md). Python is scanned with its
comments and string literals blanked out, so documentation may mention a pattern; templates
are scanned without their ``{# comments #}``. A reviewed exception goes into ``ALLOWED``
with its reason.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYTHON_FOLDERS = ("shop", "tests", "bench", "migrations")
SKIPPED_PARTS = {".venv", "__pycache__", "versions", "node_modules", ".git"}

Applies = Callable[[str], bool]


def in_shop(path: str) -> bool:
    return path.startswith("shop/")


def anywhere(path: str) -> bool:
    return True


def app_code(path: str) -> bool:
    """Everything that runs in production or benchmarks; the tests may parse what they like."""
    return not path.startswith("tests/")


def parser_allowed(path: str) -> bool:
    # The one door for untrusted XML (house rule 6), and the OCI reader if it needs one.
    return path == "shop/cxml/parse.py" or path.startswith("shop/oci/")


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    applies: Applies
    why: str


PYTHON_RULES = [
    Rule("xml-parser", re.compile(
        r"\betree\.(?:fromstring|parse|XML|XMLID|iterparse|XMLPullParser|XMLParser|HTML)\s*\("
        r"|\b(?:XMLParser|iterparse|fromstring)\s*\("),
        lambda path: app_code(path) and not parser_allowed(path),
        "untrusted XML goes through shop/cxml/parse.py only (X1-X9)"),
    # xml.sax.saxutils only escapes text (no parsing), so it is allowed.
    Rule("stdlib-xml",
         re.compile(r"^\s*(?:import|from)\s+xml\.(?:etree|dom|sax(?!\.saxutils\b))\b", re.M),
         app_code, "the standard library's XML parsers bypass the hardened reader (X1-X7)"),
    Rule("huge-tree", re.compile(r"\bhuge_tree\s*=\s*True"), anywhere,
         "lifts libxml2's depth and size limits: CPU and memory DoS (X6, X7)"),
    Rule("resolve-entities", re.compile(r"\bresolve_entities\s*=\s*True"), anywhere,
         "expands external entities: file disclosure (X1)"),
    Rule("network", re.compile(r"\bno_network\s*=\s*False"), anywhere,
         "lets the parser fetch URLs: SSRF (X2, X3)"),
    Rule("collect-ids", re.compile(r"\bcollect_ids\s*=\s*False"), anywhere,
         "makes lxml load the external DTD even with load_dtd=False (X3)"),
    Rule("xinclude-xslt", re.compile(r"\.xinclude\s*\(|\betree\.XSLT\s*\("), app_code,
         "XInclude and XSLT read files and run code from documents (X8)"),
    Rule("tls-verify", re.compile(r"\bverify\s*=\s*False"), anywhere,
         "turns off certificate checks: our secrets to a man in the middle (O3)"),
    Rule("markup", re.compile(r"\bMarkup\s*\(|\brender_template_string\s*\("), in_shop,
         "bypasses autoescaping: XSS (W5)"),
    Rule("environ", re.compile(
        r"\bos\.environ\b|\bgetenv\s*\(|^\s*from\s+os\s+import\b.*\benviron\b", re.M),
         lambda path: in_shop(path) and path != "shop/config.py",
         "settings are read in shop/config.py only (house rule 7)"),
    Rule("secret-equality", re.compile(r"secret[\w.]*\s*[!=]=|[!=]=\s*[\w.]*secret", re.I),
         in_shop, "compare secrets with shop.secrets_store.verify_inbound_secret (A2)"),
    Rule("open-redirect", re.compile(r"\bredirect\s*\(\s*request\.(?:args|form|values)"),
         in_shop, "redirect targets from the request: open redirect (P1)"),
    Rule("shell", re.compile(r"\bshell\s*=\s*True|\bpickle\.loads?\s*\("), app_code,
         "shell injection and code execution from data"),
]

TEMPLATE_RULES = [
    Rule("safe-filter", re.compile(r"\|\s*safe\b"), anywhere, "bypasses autoescaping: XSS (W5)"),
    Rule("autoescape-off", re.compile(r"\{%-?\s*autoescape\s+false"), anywhere,
         "turns off autoescaping: XSS (W5)"),
    Rule("inline-script", re.compile(
        r"<script\b(?![^>]*\bsrc\s*=)[^>]*>|<script\b[^>]*>(?!\s*</script>)", re.I), anywhere,
        "the CSP forbids inline script: JavaScript lives in static/js (W5)"),
    Rule("inline-style", re.compile(r"\sstyle\s*=|<style\b", re.I), anywhere,
         "the CSP forbids inline style: CSS lives in static/css/shop.css"),
    Rule("event-handler", re.compile(r"\son[a-z]+\s*=\s*[\"']|javascript:", re.I), anywhere,
         "inline event handlers and javascript: URLs are inline script (W5)"),
]

# (rule, path) -> why this exception was accepted in review.
ALLOWED: dict[tuple[str, str], str] = {
    ("xml-parser", "bench/cxml_read.py"):
        "the benchmark's baseline is a bare lxml parse of a document it generated itself",
    ("xml-parser", "bench/scenarios.py"):
        "the benchmark's baseline is a bare lxml parse of a document it generated itself",
    ("xml-parser", "bench/orders_bench.py"):
        "the benchmark's baseline is a bare lxml parse of a document it generated itself",
}


def blank_python(source: str) -> str:
    """The source with every comment and string literal replaced by spaces (lines kept)."""
    lines = source.splitlines(keepends=True)
    blanked = [list(line) for line in lines]
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return source
    kinds = {tokenize.COMMENT, tokenize.STRING}
    kinds |= {getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}
    for token in tokens:
        if token.type not in kinds:
            continue
        (row, col), (end_row, end_col) = token.start, token.end
        for line_no in range(row, end_row + 1):
            chars = blanked[line_no - 1]
            start = col if line_no == row else 0
            stop = end_col if line_no == end_row else len(chars)
            for i in range(start, stop):
                if chars[i] not in "\r\n":
                    chars[i] = " "
    return "".join("".join(chars) for chars in blanked)


def blank_template(source: str) -> str:
    return re.sub(r"\{#.*?#\}", lambda m: re.sub(r"[^\n]", " ", m.group()), source, flags=re.S)


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    rule: str
    why: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}: {self.why}"


def violations(path: str, text: str, rules: list[Rule]) -> Iterator[Violation]:
    for rule in rules:
        if not rule.applies(path) or (rule.name, path) in ALLOWED:
            continue
        for match in rule.pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            yield Violation(path, line, rule.name, rule.why)


def scan_python(path: str, source: str) -> list[Violation]:
    return list(violations(path, blank_python(source), PYTHON_RULES))


def scan_template(path: str, source: str) -> list[Violation]:
    return list(violations(path, blank_template(source), TEMPLATE_RULES))


def repository_files(suffix: str, folders: tuple[str, ...]) -> Iterator[Path]:
    for folder in folders:
        for path in sorted((ROOT / folder).rglob(f"*{suffix}")):
            if not SKIPPED_PARTS.intersection(path.relative_to(ROOT).parts):
                yield path
    if suffix == ".py":
        yield from sorted(ROOT.glob("*.py"))


# ---------- the repository obeys the rules ----------


def test_python_code_follows_the_security_rules():
    found = [
        violation
        for path in repository_files(".py", PYTHON_FOLDERS)
        for violation in scan_python(path.relative_to(ROOT).as_posix(), path.read_text())
    ]
    assert not found, "forbidden patterns:\n" + "\n".join(map(str, found))


def test_templates_follow_the_security_rules():
    templates = list(repository_files(".html", ("templates",)))
    assert templates, "no templates found"
    found = [
        violation
        for path in templates
        for violation in scan_template(path.relative_to(ROOT).as_posix(), path.read_text())
    ]
    assert not found, "forbidden patterns:\n" + "\n".join(map(str, found))


def test_every_allowed_exception_still_exists():
    for rule, path in ALLOWED:
        assert (ROOT / path).exists(), f"stale exception for {rule} in {path}"


# ---------- the rules catch what they should, and only that ----------


@pytest.mark.parametrize(
    ("path", "code", "rule"),
    [
        ("shop/orders/services.py", "root = etree.fromstring(body)", "xml-parser"),
        ("shop/orders/services.py", "tree = etree.parse(path)", "xml-parser"),
        ("shop/punchout/views.py", "p = etree.XMLParser()", "xml-parser"),
        ("shop/punchout/views.py", "from lxml.etree import fromstring\nfromstring(b)",
         "xml-parser"),
        ("bench/soak.py", "for e in etree.iterparse(f): pass", "xml-parser"),
        ("shop/orders/services.py", "import xml.etree.ElementTree as ET", "stdlib-xml"),
        ("shop/cxml/parse.py", "p = etree.XMLParser(huge_tree=True)", "huge-tree"),
        ("tests/test_x.py", "etree.XMLParser(resolve_entities=True)", "resolve-entities"),
        ("shop/cxml/parse.py", "etree.XMLParser(no_network=False)", "network"),
        ("shop/cxml/parse.py", "etree.XMLParser(collect_ids = False)", "collect-ids"),
        ("shop/cxml/parse.py", "tree.xinclude()", "xinclude-xslt"),
        ("shop/orders/outbox.py", "requests.post(url, data=b, verify=False)", "tls-verify"),
        ("shop/catalog/views.py", "return Markup(product.description)", "markup"),
        ("shop/catalog/views.py", "return render_template_string(page)", "markup"),
        ("shop/orders/services.py", "url = os.environ['X']", "environ"),
        ("shop/orders/services.py", "url = os.getenv('X')", "environ"),
        ("shop/punchout/services.py", "if shared_secret == connection.secret:", "secret-equality"),
        ("shop/punchout/services.py", "ok = given != conn.outbound_secret", "secret-equality"),
        ("shop/accounts/views.py", "return redirect(request.args['next'])", "open-redirect"),
        ("shop/admin/commands.py", "subprocess.run(cmd, shell=True)", "shell"),
    ],
)
def test_each_python_rule_catches_its_pattern(path, code, rule):
    assert [v.rule for v in scan_python(path, code + "\n")] == [rule]


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("shop/cxml/parse.py", "root = etree.fromstring(body, _parser())"),
        ("shop/oci/reader.py", "p = etree.XMLParser(resolve_entities=False)"),
        ("tests/test_cxml.py", "root = etree.fromstring(response.data)"),
        ("shop/config.py", "url = os.environ.get('DATABASE_URL')"),
        ("shop/orders/services.py", "# never call etree.fromstring( here, nor verify=False"),
        ("shop/orders/services.py", '"""Uses huge_tree=True? No: see etree.parse( docs."""'),
        ("shop/orders/services.py", "message = 'os.environ is read in config only'"),
        ("shop/punchout/services.py", "if connection.secret_hash is None:"),
        ("shop/punchout/services.py", "ok = verify_inbound_secret(given, stored, pepper)"),
        ("shop/cxml/parse.py", "etree.XMLParser(huge_tree=False, no_network=True)"),
        ("shop/orders/services.py", "root = etree.Element('cXML')"),
        ("tests/test_catalog.py", "assert Markup('<b>') in page"),
    ],
)
def test_python_rules_leave_allowed_code_alone(path, code):
    assert scan_python(path, code + "\n") == []


@pytest.mark.parametrize(
    ("html", "rule"),
    [
        ("<p>{{ product.description|safe }}</p>", "safe-filter"),
        ("<p>{{ x | safe }}</p>", "safe-filter"),
        ("{% autoescape false %}{{ x }}{% endautoescape %}", "autoescape-off"),
        ("<script>document.forms[0].submit()</script>", "inline-script"),
        ('<script type="text/javascript">\n  go();\n</script>', "inline-script"),
        ('<script src="/static/js/a.js">alert(1)</script>', "inline-script"),
        ('<div style="color: red">', "inline-style"),
        ("<style>p { color: red }</style>", "inline-style"),
        ('<body onload="submit()">', "event-handler"),
        ('<a href="javascript:void(0)">', "event-handler"),
    ],
)
def test_each_template_rule_catches_its_pattern(html, rule):
    assert [v.rule for v in scan_template("templates/x.html", html)] == [rule]


@pytest.mark.parametrize(
    "html",
    [
        '<script src="{{ url_for(\'static\', filename=\'js/transfer.js\') }}" defer></script>',
        "{# never write <script>alert(1)</script> or style=\"x\" here #}",
        '<input type="hidden" name="cxml-base64" value="{{ payload }}">',
        "<p>{{ product.name }} ({{ product.sku|e }})</p>",
        '<p class="styled">Lifestyle products</p>',
        '<button type="submit" data-once="true">Transfer cart</button>',
    ],
)
def test_template_rules_leave_allowed_markup_alone(html):
    assert scan_template("templates/x.html", html) == []


def test_a_violation_names_file_line_rule_and_reason():
    found = scan_python("shop/orders/services.py", "x = 1\nroot = etree.fromstring(b)\n")
    assert str(found[0]).startswith("shop/orders/services.py:2: xml-parser: untrusted XML")
