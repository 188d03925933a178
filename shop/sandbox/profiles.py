"""Buyer profiles: how each procurement system talks, as plain data.

A profile says what the simulated system sends (identities, extrinsics, cXML version, OCI
parameter spelling), how it shows the supplier (iframe, new window, same window) and how it
wants the cart back, plus the settings of the buyer connection that matches it in a shop.
Pure data: no Flask, no database; ``shop.sandbox.connect`` turns a profile into a connection.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Pair = tuple[str, str]

PRESENTATIONS = ("iframe", "new-window", "same-window")
OPERATIONS = ("create", "edit", "inspect")


@dataclass(frozen=True)
class ContactSpec:
    """A person the setup request names (Coupa's ``Contact role="endUser"``)."""

    role: str
    name: str
    email: str


@dataclass(frozen=True)
class AddressSpec:
    """A postal address for ShipTo/BillTo of the purchase order."""

    address_id: str
    name: str
    street: str
    postal_code: str
    city: str
    country_code: str
    country_name: str


@dataclass(frozen=True)
class OCINames:
    """How an SAP system spells the OCI entry parameters (real traffic mixes cases)."""

    hook_url: str = "HOOK_URL"
    ok_code: str = "~OkCode"
    target: str = "~TARGET"
    caller: str = "~CALLER"
    username: str = "USERNAME"
    password: str = "PASSWORD"
    version: str = "OCI_VERSION"


@dataclass(frozen=True)
class Profile:
    """One simulated procurement system."""

    key: str
    label: str
    system: str  # what it stands for, e.g. "SAP Ariba Buying via Ariba Network"
    protocol: str  # "cxml" or "oci" (how the PunchOut starts and returns)
    summary: str
    company: str  # the storefront account its buyers shop as
    presentation: str  # default way to show the supplier: iframe, new-window, same-window
    operations: tuple[str, ...]
    user_mapping: str = "shared"  # the connection's user mapping ("shared" or "per-user")
    # --- cXML: identities, header, setup request (OCI profiles use them for the PO) ---
    cxml_version: str = "1.2.063"
    from_credentials: tuple[Pair, ...] = ()
    sender: Pair = ("", "")
    supplier_credential: Pair = ("DUNS", "")  # the shop, as this buyer knows it (To)
    user_agent: str = ""
    deployment_mode: str = "production"
    return_field: str = "cxml-urlencoded"  # cxml-urlencoded or cxml-base64
    extrinsics: tuple[Pair, ...] = ()
    contacts: tuple[ContactSpec, ...] = ()
    sends_profile_request: bool = False  # asks ProfileRequest before the first PunchOut
    # --- OCI ---
    oci_version: str = ""
    oci_method: str = "POST"
    oci_names: OCINames = field(default_factory=OCINames)
    oci_extra: tuple[Pair, ...] = ()
    oci_username: str = ""
    # --- the purchase order that ends every journey ---
    ship_to: AddressSpec | None = None
    bill_to: AddressSpec | None = None
    cost_center: str = ""
    order_prefix: str = "PO"

    @property
    def is_oci(self) -> bool:
        return self.protocol == "oci"

    @property
    def connection_name(self) -> str:
        """Name of the matching buyer connection in a shop."""
        return f"Sandbox {self.label}"


_ACME_SHIP = AddressSpec("ACME-DE-01", "Acme Industries, Plant 2, Goods In",
                         "Industriestraße 12", "70565", "Stuttgart", "DE", "Germany")
_ACME_BILL = AddressSpec("ACME-AP", "Acme Industries GmbH, Accounts Payable",
                         "Postfach 10 04 52", "70003", "Stuttgart", "DE", "Germany")
_GLOBEX_SHIP = AddressSpec("GLX-AMS-LAB", "Globex Laboratories, Building C, Lab Stores",
                           "Science Park 140", "1098 XG", "Amsterdam", "NL", "Netherlands")
_GLOBEX_BILL = AddressSpec("GLX-AP", "Globex Laboratories B.V., Accounts Payable",
                           "Science Park 140", "1098 XG", "Amsterdam", "NL", "Netherlands")

ARIBA = Profile(
    key="ariba",
    label="Ariba",
    system="SAP Ariba Buying, relayed by Ariba Network",
    protocol="cxml",
    summary=("NetworkID identities (test account -T), the Ariba Network hub as Sender with "
             "the SharedSecret, UserEmail/UniqueName/CostCenter extrinsics, create/edit/"
             "inspect, ProfileRequest first, supplier in a new window, cart as cxml-base64."),
    company="Acme Industries",
    presentation="new-window",
    operations=("create", "edit", "inspect"),
    user_mapping="per-user",
    cxml_version="1.2.050",
    from_credentials=(("NetworkID", "AN01000012345-T"), ("SystemID", "ACME-S4-PRD")),
    sender=("NetworkID", "AN01000000001"),
    supplier_credential=("NetworkID", "AN01000099999-T"),
    user_agent="Ariba Network (Northwind sandbox)",
    deployment_mode="test",
    return_field="cxml-base64",
    extrinsics=(("UserEmail", "buyer@acme.test"), ("UniqueName", "ameyer"),
                ("UserPrintableName", "Alex Meyer"), ("CostCenter", "4711-IT")),
    sends_profile_request=True,
    ship_to=_ACME_SHIP,
    bill_to=_ACME_BILL,
    cost_center="4711-IT",
    order_prefix="ARB",
)

COUPA = Profile(
    key="coupa",
    label="Coupa",
    system="Coupa Procurement",
    protocol="cxml",
    summary=("DUNS identities with free-form values, the fixed Coupa extrinsic set and an "
             "endUser Contact, supplier in an iframe, cXML 1.2.014, cart as cxml-urlencoded."),
    company="Globex Laboratories",
    presentation="iframe",
    operations=("create", "edit"),
    user_mapping="per-user",
    cxml_version="1.2.014",
    from_credentials=(("DUNS", "globex-coupa-t"),),
    sender=("DUNS", "globex-coupa-t"),
    supplier_credential=("DUNS", "northwind-supply"),
    user_agent="Coupa Procurement 1.0",
    extrinsics=(("FirstName", "Sam"), ("LastName", "de Vries"), ("UniqueName", "sdevries"),
                ("UserEmail", "buyer@globex.test"), ("User", "sdevries"),
                ("BusinessUnit", "Lab Operations")),
    contacts=(ContactSpec("endUser", "Sam de Vries", "buyer@globex.test"),),
    ship_to=_GLOBEX_SHIP,
    bill_to=_GLOBEX_BILL,
    order_prefix="CPA",
)

ORACLE = Profile(
    key="oracle",
    label="Oracle",
    system="Oracle iProcurement / Fusion Procurement",
    protocol="cxml",
    summary=("DUNS identities, one extrinsic only, create only, supplier in the same window, "
             "cart as cxml-urlencoded (UTF-8), cXML 1.2.020."),
    company="Acme Industries",
    presentation="same-window",
    operations=("create",),
    cxml_version="1.2.020",
    from_credentials=(("DUNS", "acme-oracle"),),
    sender=("DUNS", "acme-oracle"),
    supplier_credential=("DUNS", "123456789"),
    user_agent="Oracle Fusion Procurement",
    extrinsics=(("UserEmail", "buyer@acme.test"),),
    ship_to=_ACME_SHIP,
    bill_to=_ACME_BILL,
    order_prefix="ORA",
)

_SAP_PO_NOTE = " The purchase order follows as a cXML OrderRequest, as through a network."

SAP_OCI4 = Profile(
    key="sap-oci4",
    label="SAP OCI 4.0",
    system="SAP SRM / S/4HANA self-service procurement (OCI 4.0)",
    protocol="oci",
    summary=("OCI 4.0 entry by GET with HOOK_URL, ~OkCode=ADDI, ~TARGET=_top, ~CALLER=CTLG "
             "and USERNAME/PASSWORD, in upper case." + _SAP_PO_NOTE),
    company="Acme Industries",
    presentation="same-window",
    operations=("create",),
    from_credentials=(("NetworkID", "AN01000054321-T"),),
    sender=("NetworkID", "AN01000054321-T"),
    supplier_credential=("NetworkID", "AN01000099999-T"),
    user_agent="SAP S/4HANA via Ariba Network (Northwind sandbox)",
    oci_version="4.0",
    oci_method="GET",
    oci_names=OCINames(),
    oci_extra=(("http_content_charset", "utf-8"),),
    oci_username="acme-srm",
    ship_to=_ACME_SHIP,
    bill_to=_ACME_BILL,
    cost_center="4711-IT",
    order_prefix="45",
)

SAP_OCI5 = Profile(
    key="sap-oci5",
    label="SAP OCI 5.0",
    system="SAP SRM 7 / S/4HANA (OCI 5.0)",
    protocol="oci",
    summary=("OCI 5.0 entry by POST, parameters in lower case (hook_url, ~okcode, ~target, "
             "~caller, username/password) and returntarget, in an iframe." + _SAP_PO_NOTE),
    company="Globex Laboratories",
    presentation="iframe",
    operations=("create",),
    from_credentials=(("NetworkID", "AN01000067890-T"),),
    sender=("NetworkID", "AN01000067890-T"),
    supplier_credential=("NetworkID", "AN01000099999-T"),
    user_agent="SAP SRM 7.0 via Ariba Network (Northwind sandbox)",
    oci_version="5.0",
    oci_method="POST",
    oci_names=OCINames(hook_url="hook_url", ok_code="~okcode", target="~target",
                       caller="~caller", username="username", password="password",
                       version="oci_version"),
    oci_extra=(("returntarget", "_top"), ("http_content_charset", "utf-8"),
               ("OPI_VERSION", "1.0")),
    oci_username="globex-srm",
    ship_to=_GLOBEX_SHIP,
    bill_to=_GLOBEX_BILL,
    order_prefix="45",
)

PROFILES: dict[str, Profile] = {
    profile.key: profile for profile in (ARIBA, COUPA, ORACLE, SAP_OCI4, SAP_OCI5)
}


def get_profile(key: str) -> Profile:
    """The profile called ``key``; KeyError names the known ones."""
    try:
        return PROFILES[key]
    except KeyError:
        raise KeyError(f"unknown profile {key!r}; known: {', '.join(PROFILES)}") from None
