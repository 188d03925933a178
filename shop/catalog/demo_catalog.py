# ruff: noqa: E501  (a data table: one product family per line reads better than wrapped)
"""The demo shop's catalog as plain data: a two-level category tree and product families.

Each family expands into one product per variant (``demo_data.demo_products``). Brands are
invented; UNSPSC codes and UN/CEFACT units are real ones. Pure data, no imports from the app.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Family:
    """Products that differ only by one attribute (colour, size, pack)."""

    name: str
    unit: str  # UN/CEFACT Recommendation 20 code
    price: str  # list price of the first variant, EUR
    maker: str
    variants: tuple[str, ...]
    blurb: str
    unspsc: str


@dataclass(frozen=True, slots=True)
class Leaf:
    slug: str
    name: str
    description: str
    families: tuple[Family, ...]


@dataclass(frozen=True, slots=True)
class Department:
    """A top-level category; ``code`` starts its products' SKUs."""

    slug: str
    code: str
    name: str
    description: str
    leaves: tuple[Leaf, ...]


F = Family
COLOURS = ("blue", "black", "red", "green")

DEPARTMENTS: tuple[Department, ...] = (
    Department("office", "OFF", "Office Supplies", "Pens, paper, filing and everything on the desk.", (
        Leaf("writing-instruments", "Writing instruments", "Pens, pencils, markers and highlighters.", (
            F("Ballpoint pen, retractable, medium tip, box of 50", "BX", "14.90", "Penwright", COLOURS,
              "Smooth low-viscosity ink, rubber grip and a clip that survives a shirt pocket.", "44121704"),
            F("Gel roller pen, 0.5 mm, box of 12", "BX", "11.40", "Penwright", COLOURS,
              "Quick-drying gel ink for left- and right-handers; document-proof to ISO 12757-2.", "44121704"),
            F("Graphite pencil, box of 12", "BX", "4.20", "Ledgerline", ("HB", "2B", "H"),
              "Cedar wood barrel with a break-resistant lead.", "44121706"),
            F("Highlighter, chisel tip, pack of 4", "PK", "5.60", "Penwright", ("yellow", "pink", "assorted"),
              "Anti-dry-out ink that stays fresh with the cap off for four hours.", "44121716"),
        )),
        Leaf("paper-notebooks", "Paper & notebooks", "Copy paper, notebooks and pads.", (
            F("Copy paper A4, 80 g/m², ream of 500 sheets", "RM", "5.95", "Ledgerline",
              ("white", "recycled white", "premium bright white"),
              "Jam-free in laser printers, inkjets and copiers; EU Ecolabel.", "14111507"),
            F("Copy paper A3, 80 g/m², ream of 500 sheets", "RM", "11.80", "Ledgerline", ("white", "colour assorted"),
              "For large-format copies and posters.", "14111507"),
            F("Spiral notebook A4, 80 sheets", "EA", "3.40", "Ledgerline", ("ruled", "squared", "blank"),
              "Perforated, four-hole punched sheets with a polypropylene cover.", "14111514"),
            F("Sticky notes 76 × 76 mm, pack of 12 pads", "PK", "8.90", "Ledgerline", ("yellow", "neon"),
              "Repositionable notes that stick to screens and paper alike.", "14111514"),
        )),
        Leaf("filing-archiving", "Filing & archiving", "Binders, folders and archive boxes.", (
            F("Lever arch file A4, 80 mm spine", "EA", "3.10", "Archivo", COLOURS,
              "Rado-ring mechanism with a finger hole and a replaceable spine label.", "44122003"),
            F("Suspension file folder, pack of 25", "PK", "17.50", "Archivo", ("foolscap", "A4"),
              "Recycled board with steel hanging rails and tab inserts.", "44122011"),
            F("Archive box, corrugated, 80 mm", "PK", "12.90", "Archivo", ("pack of 10", "pack of 50"),
              "Acid-free board for long-term storage; holds one lever arch file.", "44122011"),
        )),
        Leaf("desk-accessories", "Desk accessories", "Staplers, punches, trays and scissors.", (
            F("Stapler, 30-sheet capacity", "EA", "9.80", "Deskcraft", ("black", "grey"),
              "All-metal mechanism for 24/6 and 26/6 staples with a front loading magazine.", "44121615"),
            F("Staples 24/6, box of 1000", "BX", "1.20", "Deskcraft", ("galvanised", "copper-coated"),
              "Fits every standard desk stapler.", "44122107"),
            F("Letter tray A4, stackable", "EA", "4.50", "Deskcraft", ("black", "smoke", "blue"),
              "Shatter-proof polystyrene; stacks straight or stepped.", "44111515"),
            F("Office scissors, 21 cm", "EA", "3.90", "Deskcraft", ("standard", "left-handed"),
              "Stainless steel blades with a soft-grip handle.", "44121618"),
        )),
    )),
    Department("it", "ITE", "IT & Electronics", "Peripherals, displays, cables, storage and networking.", (
        Leaf("keyboards-mice", "Keyboards & mice", "Wired and wireless input devices.", (
            F("Wireless keyboard, full size", "EA", "34.90", "Keyframe", ("DE layout", "US layout", "UK layout"),
              "Quiet scissor keys, 2.4 GHz receiver and a 24-month battery life.", "43211706"),
            F("Optical mouse, USB", "EA", "12.50", "Keyframe", ("wired", "wireless", "ergonomic vertical"),
              "1600 dpi sensor that tracks on glass and glossy desks.", "43211708"),
            F("Keyboard and mouse set, wireless", "SET", "49.00", "Keyframe", ("DE layout", "US layout", "FR layout"),
              "One nano receiver for both devices; spill-resistant keyboard.", "43211706"),
        )),
        Leaf("monitors-displays", "Monitors & displays", "Office monitors and mounts.", (
            F("Monitor 24\", Full HD IPS", "EA", "149.00", "Luminex", ("HDMI/DP", "USB-C"),
              "Flicker-free panel with low blue light mode and a height-adjustable stand.", "43211902"),
            F("Monitor 27\", QHD IPS", "EA", "259.00", "Luminex", ("HDMI/DP", "USB-C 90 W"),
              "2560 × 1440 resolution, 99% sRGB, daisy-chain via DisplayPort.", "43211902"),
            F("Monitor arm, gas spring", "EA", "89.00", "Ergonova", ("single", "dual"),
              "VESA 75/100 mount for screens up to 9 kg with cable management.", "43211902"),
        )),
        Leaf("cables-adapters", "Cables & adapters", "Data, video and power cables.", (
            F("HDMI cable, high speed with Ethernet", "EA", "6.90", "Linkwell", ("1 m", "2 m", "5 m"),
              "4K at 60 Hz, gold-plated connectors, braided jacket.", "26121609"),
            F("USB-C to USB-C cable, 100 W", "EA", "9.50", "Linkwell", ("1 m", "2 m"),
              "USB 3.2 Gen 2 data at 10 Gbit/s plus 100 W power delivery.", "43202222"),
            F("Patch cable Cat 6A, S/FTP", "EA", "3.20", "Linkwell", ("0.5 m", "1 m", "2 m", "5 m"),
              "Shielded, halogen-free (LSZH) patch cable for 10 Gbit Ethernet.", "43222622"),
            F("USB-C multiport adapter", "EA", "39.00", "Linkwell", ("HDMI + USB-A", "HDMI + LAN + PD"),
              "Turns one USB-C port into the connections a meeting room needs.", "43201553"),
        )),
        Leaf("data-storage", "Data storage", "Flash drives, SSDs and backup disks.", (
            F("USB flash drive, USB 3.2", "EA", "7.90", "Datacore", ("32 GB", "64 GB", "128 GB", "256 GB"),
              "Metal casing with a key-ring loop; read speeds up to 150 MB/s.", "43202005"),
            F("Portable SSD, USB-C", "EA", "79.00", "Datacore", ("500 GB", "1 TB", "2 TB"),
              "Shock-resistant external SSD with hardware AES-256 encryption.", "43201803"),
            F("Internal SSD 2.5\", SATA", "EA", "54.00", "Datacore", ("480 GB", "960 GB"),
              "Drop-in upgrade for laptops and desktops; 5-year warranty.", "43201803"),
        )),
        Leaf("networking", "Networking", "Switches, access points and accessories.", (
            F("Network switch, unmanaged, Gigabit", "EA", "29.00", "Netgrid", ("5 ports", "8 ports", "16 ports"),
              "Fan-less metal housing for desks and racks; plug and play.", "43222612"),
            F("Wi-Fi 6 access point, PoE", "EA", "119.00", "Netgrid", ("indoor", "outdoor", "wall plate"),
              "Ceiling mount with central cloud management.", "43222640"),
        )),
    )),
    Department("printing", "PRT", "Printing", "Toner, ink, labels and label printers.", (
        Leaf("toner", "Toner cartridges", "Compatible and original toner for laser printers.", (
            F("Toner cartridge, high yield", "EA", "68.00", "Tonerwerk",
              ("black, 9,000 pages", "cyan, 6,000 pages", "magenta, 6,000 pages", "yellow, 6,000 pages"),
              "Remanufactured cartridge with a chip; page yield to ISO/IEC 19752.", "44103103"),
            F("Drum unit, 30,000 pages", "EA", "94.00", "Tonerwerk", ("standard", "high capacity"),
              "Imaging drum for the matching mono laser printers.", "44103109"),
        )),
        Leaf("ink", "Ink cartridges", "Inkjet cartridges and refill bottles.", (
            F("Ink cartridge, XL", "EA", "24.50", "Inkpoint", ("black", "cyan", "magenta", "yellow"),
              "Pigment ink for sharp text on plain paper.", "44103105"),
            F("Ink refill bottle, 70 ml", "EA", "9.90", "Inkpoint", ("black", "colour set of 3"),
              "For ink-tank printers; key-lock nozzle prevents spills.", "44103105"),
        )),
        Leaf("labels", "Labels & label printers", "Address, shipping and asset labels.", (
            F("Address labels 70 × 37 mm, 100 sheets", "BX", "21.90", "Labelium", ("white", "transparent"),
              "24 labels per A4 sheet for laser and inkjet printers.", "55121606"),
            F("Thermal shipping labels 102 × 150 mm, roll of 500", "RO", "14.50", "Labelium", ("perforated",),
              "Direct thermal labels for parcel carriers' formats.", "55121606"),
            F("Label printer, desktop", "EA", "129.00", "Labelium", ("USB", "USB + LAN"),
              "Prints 62 mm tape and die-cut labels at 300 dpi.", "43212105"),
        )),
    )),
    Department("lab", "LAB", "Laboratory", "Glassware, pipetting, consumables and instruments.", (
        Leaf("glassware", "Glassware", "Borosilicate beakers, flasks and cylinders.", (
            F("Beaker, borosilicate glass 3.3, low form, pack of 10", "PK", "18.40", "Kestrel Labware",
              ("50 ml", "100 ml", "250 ml", "600 ml", "1000 ml"),
              "Graduated, with spout; resists thermal shock up to 200 K.", "41121803"),
            F("Erlenmeyer flask, narrow neck, pack of 10", "PK", "24.90", "Kestrel Labware",
              ("100 ml", "250 ml", "500 ml"),
              "DIN ISO 1773 borosilicate glass with a white printed scale.", "41121807"),
            F("Graduated cylinder, class B", "EA", "8.60", "Kestrel Labware", ("10 ml", "100 ml", "500 ml"),
              "Hexagonal base and pouring spout; tolerance to ISO 4788.", "41121810"),
        )),
        Leaf("pipetting", "Pipetting", "Pipettes, tips and dispensers.", (
            F("Single-channel pipette, adjustable", "EA", "189.00", "Pipetta",
              ("0.5–10 µl", "10–100 µl", "100–1000 µl"),
              "Fully autoclavable, with a lockable volume display.", "41121601"),
            F("Pipette tips, racked, sterile, 10 × 96", "BX", "42.00", "Pipetta", ("10 µl", "200 µl", "1000 µl"),
              "Low-retention polypropylene; free of RNase, DNase and pyrogens.", "41121604"),
            F("Serological pipettes, sterile, individually wrapped, case of 200", "CS", "36.50", "Pipetta",
              ("5 ml", "10 ml", "25 ml"), "Polystyrene with a colour-coded band and a cotton plug.", "41121601"),
        )),
        Leaf("lab-consumables", "Lab consumables", "Tubes, dishes, filters and wipes.", (
            F("Centrifuge tubes, conical, sterile, rack of 50", "PK", "19.90", "Vireo Scientific",
              ("15 ml", "50 ml"), "Leak-proof screw caps; rated to 15,500 × g.", "41121503"),
            F("Microcentrifuge tubes 1.5 ml, bag of 500", "PK", "11.20", "Vireo Scientific",
              ("clear", "amber"), "Snap caps with a writing surface; autoclavable.", "41121503"),
            F("Petri dishes 90 mm, sterile, case of 500", "CS", "58.00", "Vireo Scientific",
              ("with vents", "without vents"), "Polystyrene dishes stacked in sleeves of 20.", "41121703"),
            F("Filter paper, qualitative, pack of 100", "PK", "7.80", "Vireo Scientific",
              ("Ø 90 mm", "Ø 125 mm", "Ø 150 mm"), "Medium-fast filtration for routine work.", "41121501"),
        )),
        Leaf("lab-instruments", "Balances & instruments", "Balances, stirrers and meters.", (
            F("Analytical balance, internal calibration", "EA", "1890.00", "Libra Instruments",
              ("120 g × 0.1 mg", "220 g × 0.1 mg"), "Draft shield, GLP printouts and a USB interface.", "41111501"),
            F("Magnetic stirrer with hot plate", "EA", "329.00", "Libra Instruments", ("up to 340 °C", "4-place, no heating"),
              "Ceramic top plate, 100–1500 rpm, external temperature probe port.", "41122405"),
            F("pH meter, benchtop, with electrode", "EA", "265.00", "Libra Instruments", ("standard", "GLP kit"),
              "Automatic buffer recognition and three-point calibration.", "41115301"),
        )),
    )),
    Department("safety", "SAF", "Safety & PPE", "Protective equipment and first aid.", (
        Leaf("hand-protection", "Gloves", "Disposable and work gloves.", (
            F("Nitrile examination gloves, powder-free, box of 100", "BX", "8.90", "Armada Safety",
              ("size S", "size M", "size L", "size XL"),
              "EN ISO 374-1 type B and EN 455; textured fingertips for a sure grip.", "46181504"),
            F("Cut-resistant work gloves, level C", "PR", "6.40", "Armada Safety", ("size 8", "size 9", "size 10"),
              "HPPE liner with a PU palm coating; EN 388 4X43C.", "46181504"),
        )),
        Leaf("eye-face", "Eye & face protection", "Safety glasses, goggles and visors.", (
            F("Safety glasses, wraparound", "EA", "4.80", "Clearsight", ("clear lens", "tinted lens", "yellow lens"),
              "EN 166 1F with anti-fog and anti-scratch coating.", "46181804"),
            F("Safety goggles, indirect vent", "EA", "9.60", "Clearsight", ("standard", "over-spectacles"),
              "Protects against liquid droplets and dust (EN 166 3 4).", "46181804"),
        )),
        Leaf("hearing-respiratory", "Hearing & respiratory", "Ear plugs, ear muffs and masks.", (
            F("Foam ear plugs, box of 200 pairs", "BX", "24.00", "Quietline", ("corded", "uncorded"),
              "SNR 37 dB; soft polyurethane foam for all-day wear.", "46181902"),
            F("Ear muffs, headband", "EA", "16.90", "Quietline", ("SNR 28 dB", "SNR 33 dB"),
              "Low-pressure headband with replaceable cushions.", "46181902"),
            F("Respirator mask FFP2, box of 20", "BX", "12.50", "Breathe Pro", ("with valve", "without valve"),
              "EN 149:2001+A1:2009; adjustable nose clip.", "46182001"),
        )),
        Leaf("workwear", "Workwear & hi-vis", "High-visibility vests and work clothing.", (
            F("High-visibility vest, class 2", "EA", "3.90", "Armada Safety", ("yellow", "orange"),
              "EN ISO 20471 with two reflective bands and a hook-and-loop front.", "46181531"),
            F("Safety shoes S3, low", "PR", "69.00", "Armada Safety", ("size 40", "size 42", "size 44", "size 46"),
              "Composite toe cap, puncture-resistant sole, ESD.", "46181605"),
        )),
        Leaf("first-aid", "First aid", "First aid kits and refills.", (
            F("First aid kit DIN 13157, wall-mounted", "EA", "39.00", "Medikit", ("standard", "with refill set"),
              "Complete to DIN 13157 for offices and workshops.", "42172001"),
            F("Plasters, assorted, box of 100", "BX", "4.90", "Medikit", ("fabric", "waterproof"),
              "Hypoallergenic plasters in five sizes.", "42311505"),
            F("Eye wash bottle, 500 ml", "EA", "11.80", "Medikit", ("saline solution", "pH-neutral phosphate buffer"),
              "Sterile eye rinse with an eye cup.", "42172001"),
        )),
    )),
    Department("mro", "MRO", "Tools & MRO", "Hand tools, power tools, fasteners and consumables.", (
        Leaf("hand-tools", "Hand tools", "Screwdrivers, wrenches, pliers and sets.", (
            F("Screwdriver set, VDE insulated, 6 pieces", "SET", "29.90", "Halden Tools", ("slotted + PH", "slotted + PZ"),
              "Tested to 10,000 V, rated for live work to 1,000 V (IEC 60900).", "27111701"),
            F("Combination wrench set, metric", "SET", "44.00", "Halden Tools", ("8–19 mm, 8 pieces", "6–22 mm, 12 pieces"),
              "Chrome vanadium steel with a 15° offset ring end.", "27111702"),
            F("Combination pliers, 180 mm", "EA", "13.50", "Halden Tools", ("standard", "VDE insulated"),
              "Induction-hardened cutting edges for hard wire.", "27112101"),
        )),
        Leaf("power-tools", "Power tools", "Cordless drills, drivers and batteries.", (
            F("Cordless drill driver 18 V", "EA", "149.00", "Torqon", ("body only", "with 2 × 2.0 Ah", "with 2 × 4.0 Ah"),
              "Brushless motor, 60 Nm, two gears and an LED work light.", "27112703"),
            F("Battery pack 18 V Li-ion", "EA", "59.00", "Torqon", ("2.0 Ah", "4.0 Ah", "5.5 Ah"),
              "Fits every tool of the 18 V platform; charge level indicator.", "26111701"),
        )),
        Leaf("fasteners", "Fasteners", "Screws, anchors, nuts and washers.", (
            F("Wood screws, countersunk, Torx, box of 200", "BX", "6.80", "Fixmaster",
              ("4 × 30 mm", "4 × 40 mm", "5 × 50 mm", "5 × 70 mm"),
              "Yellow zinc-plated, partial thread, with a cutting point.", "31161504"),
            F("Nylon wall plugs, box of 100", "BX", "3.90", "Fixmaster", ("6 mm", "8 mm", "10 mm"),
              "For concrete, solid brick and perforated brick.", "31162001"),
            F("Hex nuts DIN 934, stainless A2, box of 100", "BX", "5.20", "Fixmaster", ("M6", "M8", "M10"),
              "Stainless steel A2-70 for indoor and outdoor use.", "31161700"),
        )),
        Leaf("adhesives-tapes", "Adhesives & tapes", "Tapes, glues and sealants.", (
            F("Duct tape, 50 mm × 50 m", "RO", "7.20", "Bondex", ("silver", "black"),
              "Cloth-reinforced, tears by hand, weather resistant.", "31201503"),
            F("Double-sided mounting tape, 19 mm × 5 m", "RO", "5.90", "Bondex", ("foam", "transparent"),
              "Holds up to 5 kg per 10 cm on smooth surfaces.", "31201512"),
            F("Two-component epoxy adhesive, 25 ml", "EA", "8.40", "Bondex", ("5-minute", "slow cure"),
              "Bonds metal, glass, ceramics and most plastics.", "31201610"),
        )),
        Leaf("lubricants", "Lubricants", "Oils, greases and sprays.", (
            F("Multi-purpose lubricant spray, 400 ml", "EA", "6.50", "Glidewell", ("standard", "with PTFE"),
              "Loosens, lubricates and protects against corrosion.", "15121520"),
            F("Lithium grease, cartridge 400 g", "EA", "7.90", "Glidewell", ("NLGI 2", "food grade H1"),
              "Water-resistant bearing grease for grease guns.", "15121902"),
            F("Machine oil, 1 l", "LTR", "9.40", "Glidewell", ("ISO VG 32", "ISO VG 68"),
              "Mineral hydraulic and machine oil with anti-wear additives.", "15121501"),
        )),
    )),
    Department("cleaning", "CLN", "Cleaning & Hygiene", "Cleaning agents, paper hygiene and waste.", (
        Leaf("cleaning-agents", "Cleaning agents", "Surface cleaners, disinfectants and detergents.", (
            F("All-purpose cleaner, concentrate", "LTR", "3.80", "Clearwave", ("1 l bottle", "5 l canister"),
              "Biodegradable surfactants; dose 20 ml per 10 l of water.", "47131801"),
            F("Surface disinfectant, alcohol-based, 1 l", "LTR", "7.90", "Clearwave", ("spray", "refill"),
              "Effective against bacteria and enveloped viruses in 60 seconds.", "47131803"),
            F("Dishwasher tablets, all in one, box of 100", "BX", "17.90", "Clearwave", ("phosphate-free",),
              "For office kitchens and break rooms.", "47131807"),
        )),
        Leaf("paper-hygiene", "Paper towels & tissue", "Hand towels, toilet paper and tissues.", (
            F("Z-fold hand towels, 2-ply, case of 3,200", "CS", "29.50", "Softleaf", ("white", "natural"),
              "Fits standard towel dispensers; EU Ecolabel.", "14111703"),
            F("Toilet tissue, 3-ply, pack of 72 rolls", "PK", "34.90", "Softleaf", ("white",),
              "250 sheets per roll from recycled fibre.", "14111704"),
            F("Facial tissues, box of 100", "BX", "1.60", "Softleaf", ("standard", "with lotion"),
              "Soft 2-ply tissues in a flat box.", "14111701"),
        )),
        Leaf("waste-management", "Waste management", "Bin bags and recycling bins.", (
            F("Bin bags, 120 l, roll of 25", "RO", "6.90", "Binmaster", ("black", "blue", "transparent"),
              "Extra strong LDPE with a drawstring.", "47121701"),
            F("Recycling bin, 60 l, with lid", "EA", "39.00", "Binmaster", ("paper, blue", "plastics, yellow", "general, grey", "organic, brown"),
              "Colour-coded lids and stickers for waste separation.", "47121702"),
        )),
        Leaf("cleaning-equipment", "Mops & equipment", "Mops, trolleys and microfibre cloths.", (
            F("Microfibre cloths, 40 × 40 cm, pack of 10", "PK", "9.90", "Mopwell", ("blue", "red", "green", "yellow"),
              "Colour-coded for hygiene zones; 500 washes.", "47131502"),
            F("Flat mop set with frame and handle", "SET", "34.00", "Mopwell", ("40 cm", "50 cm"),
              "Aluminium telescopic handle, hook-and-loop frame.", "47131604"),
        )),
        Leaf("soap-dispensers", "Soap & dispensers", "Hand soap, sanitiser and dispensers.", (
            F("Hand soap, mild, 5 l canister", "EA", "12.40", "Clearwave", ("unscented", "citrus"),
              "pH skin-neutral foam soap for refillable dispensers.", "53131608"),
            F("Hand sanitiser gel, 500 ml pump", "EA", "5.90", "Clearwave", ("70% ethanol", "fragrance-free"),
              "Kills 99.99% of germs without water.", "53131626"),
            F("Soap dispenser, wall-mounted, 1 l", "EA", "24.00", "Clearwave", ("white", "stainless"),
              "Lockable, with a sight window.", "53131626"),
        )),
    )),
    Department("furniture", "FUR", "Furniture", "Chairs, desks, storage and ergonomics.", (
        Leaf("office-chairs", "Office chairs", "Task chairs and meeting chairs.", (
            F("Task chair with synchronous mechanism", "EA", "289.00", "Sitwell", ("black fabric", "grey mesh", "blue fabric"),
              "Adjustable lumbar support and 3D armrests; EN 1335 tested.", "56112102"),
            F("Meeting chair, stackable, pack of 4", "PK", "239.00", "Sitwell", ("black", "anthracite"),
              "Chrome cantilever frame with polypropylene shell.", "56112104"),
        )),
        Leaf("desks-tables", "Desks & tables", "Desks, sit-stand desks and tables.", (
            F("Electric sit-stand desk", "EA", "549.00", "Tablo", ("140 × 80 cm", "160 × 80 cm", "180 × 80 cm"),
              "Dual motor, 65–130 cm, four memory positions.", "56101703"),
            F("Meeting table, rectangular", "EA", "329.00", "Tablo", ("160 × 80 cm", "200 × 100 cm"),
              "Melamine top in white or oak with a steel frame.", "56101706"),
        )),
        Leaf("storage-furniture", "Cabinets & shelving", "Filing cabinets, lockers and shelving.", (
            F("Pedestal, 3 drawers, lockable", "EA", "199.00", "Stackwise", ("white", "grey"),
              "Fits under desks; fully extending drawers and a pencil tray.", "56101702"),
            F("Steel shelving unit, 5 shelves", "EA", "89.00", "Stackwise", ("180 × 90 × 40 cm", "200 × 100 × 50 cm"),
              "Boltless assembly; 175 kg per shelf.", "56101520"),
            F("Personal locker, 2 doors", "EA", "179.00", "Stackwise", ("cylinder lock", "padlock hasp"),
              "Ventilated steel locker with a hat shelf and coat rail.", "56101523"),
        )),
        Leaf("ergonomics", "Ergonomic accessories", "Footrests, laptop stands and wrist rests.", (
            F("Footrest, adjustable tilt", "EA", "34.00", "Ergonova", ("standard", "with massage rollers"),
              "Textured surface for shoes or socks.", "56112108"),
            F("Laptop stand, aluminium", "EA", "39.00", "Ergonova", ("fixed", "adjustable"),
              "Raises the screen to eye level; folds flat for travel.", "43211617"),
            F("Wrist rest, gel", "EA", "12.90", "Ergonova", ("keyboard", "mouse pad"),
              "Non-slip base and a washable cover.", "43211713"),
        )),
    )),
    Department("packaging", "PKG", "Packaging", "Boxes, tape, void fill, mailers and strapping.", (
        Leaf("cardboard-boxes", "Cardboard boxes", "Single- and double-wall shipping boxes.", (
            F("Shipping box, single wall, pack of 25", "PK", "19.50", "Corrugo",
              ("305 × 215 × 150 mm", "400 × 300 × 200 mm", "600 × 400 × 400 mm"),
              "Brown kraft corrugated board, FEFCO 0201.", "24112700"),
            F("Shipping box, double wall, pack of 10", "PK", "24.90", "Corrugo", ("400 × 300 × 300 mm", "600 × 400 × 400 mm"),
              "For heavy and fragile goods up to 30 kg.", "24112700"),
        )),
        Leaf("packing-tape", "Tape & dispensers", "Packing tape and hand dispensers.", (
            F("Packing tape, polypropylene, 50 mm × 66 m, pack of 6", "PK", "11.40", "Tapeline",
              ("brown", "transparent", "printed FRAGILE"), "Low-noise acrylic adhesive that sticks at low temperatures.", "31201517"),
            F("Tape dispenser, hand-held", "EA", "9.90", "Tapeline", ("50 mm",),
              "Adjustable brake and a protected cutting blade.", "31201501"),
        )),
        Leaf("protective-packaging", "Void fill & protection", "Bubble wrap, paper and foam.", (
            F("Bubble wrap roll, 50 cm × 100 m", "RO", "21.00", "Cushionpak", ("small bubbles", "large bubbles"),
              "Recycled LDPE with 50% post-consumer content.", "24141501"),
            F("Packing paper, 50 cm × 250 m", "RO", "32.00", "Cushionpak", ("kraft 80 g/m²", "kraft 40 g/m², lightweight"),
              "Crumples into void fill; recyclable with paper.", "24141501"),
        )),
        Leaf("mailers", "Envelopes & mailers", "Envelopes, padded mailers and document pouches.", (
            F("Envelopes C4, self-seal, box of 250", "BX", "18.90", "Mailwise", ("with window", "without window"),
              "White 100 g/m² paper with a peel-and-seal strip.", "44121506"),
            F("Padded mailer, box of 100", "BX", "22.50", "Mailwise", ("size D 180 × 265 mm", "size H 270 × 360 mm"),
              "Bubble-lined kraft bags for small parts and media.", "44121511"),
            F("Packing list pouches, C6, box of 1000", "BX", "16.40", "Mailwise", ("printed", "plain"),
              "Self-adhesive document pouches for shipments.", "44121511"),
        )),
        Leaf("strapping", "Strapping & pallet wrap", "Stretch film and strapping.", (
            F("Stretch film, 500 mm × 300 m", "RO", "13.90", "Strapco", ("17 µm", "23 µm"),
              "Cast film with high puncture resistance.", "24112300"),
            F("PP strapping band, 12 mm × 1000 m", "RO", "28.00", "Strapco", ("black", "white"),
              "For hand and semi-automatic strapping.", "31151700"),
        )),
    )),
    Department("electrical", "ELE", "Electrical", "Batteries, lighting and power distribution.", (
        Leaf("batteries", "Batteries", "Alkaline and rechargeable batteries.", (
            F("Alkaline batteries, pack of 24", "PK", "12.90", "Brightcell", ("AA", "AAA"),
              "10-year shelf life; for remote controls, mice and keyboards.", "26111702"),
            F("Rechargeable batteries NiMH, pack of 4", "PK", "11.50", "Brightcell", ("AA 2500 mAh", "AAA 950 mAh"),
              "Low self-discharge: 85% charge after one year.", "26111711"),
            F("Lithium coin cells, pack of 5", "PK", "4.20", "Brightcell", ("CR2032", "CR2025", "CR2016"),
              "For key fobs, scales and motherboards.", "26111710"),
        )),
        Leaf("lighting", "Lamps & lighting", "LED lamps, tubes and work lights.", (
            F("LED lamp E27, 4000 K", "EA", "3.90", "Lumora", ("8 W / 806 lm", "11 W / 1055 lm", "15 W / 1521 lm"),
              "Replaces 60/75/100 W bulbs; 25,000 hours.", "39101608"),
            F("LED tube T8, 1500 mm, 4000 K", "EA", "9.80", "Lumora", ("22 W", "24 W high output"),
              "Retrofit tube with a starter for conventional ballasts.", "39101608"),
            F("LED work light, rechargeable", "EA", "39.00", "Lumora", ("20 W", "30 W"),
              "IP65 floodlight with a stand and a power bank port.", "39111610"),
        )),
        Leaf("power-distribution", "Extension leads & reels", "Power strips, reels and timers.", (
            F("Power strip with switch, 1.5 m", "EA", "8.90", "Voltaic", ("3 sockets", "6 sockets", "8 sockets"),
              "Child-safe sockets and surge protection.", "39121006"),
            F("Cable reel, H07RN-F, 4 sockets", "EA", "59.00", "Voltaic", ("25 m", "50 m"),
              "Rubber cable for outdoor use, thermal cut-out.", "39121006"),
        )),
        Leaf("installation", "Installation material", "Cable, cable ties and terminals.", (
            F("Installation cable NYM-J, grey", "MTR", "0.89", "Wirewell", ("3 × 1.5 mm²", "3 × 2.5 mm²", "5 × 1.5 mm²"),
              "Sold by the metre; for fixed installation indoors.", "26121603"),
            F("Cable ties, UV-resistant, bag of 100", "PK", "3.40", "Wirewell", ("200 × 4.8 mm", "300 × 4.8 mm"),
              "Black polyamide 6.6 ties for outdoor use.", "39121702"),
            F("Lever terminal blocks, pack of 50", "PK", "14.90", "Wirewell", ("2-way", "3-way", "5-way"),
              "For solid and stranded conductors up to 4 mm².", "39121402"),
        )),
    )),
    Department("breakroom", "BRK", "Breakroom", "Coffee, drinks and kitchen supplies.", (
        Leaf("coffee-tea", "Coffee & tea", "Beans, ground coffee, tea and sugar.", (
            F("Coffee beans, crema, 1 kg", "KGM", "16.90", "Roastery Nord", ("medium roast", "dark roast", "decaf"),
              "Arabica and robusta blend for fully automatic machines.", "50201706"),
            F("Black tea, 100 bags", "BX", "4.80", "Roastery Nord", ("English breakfast", "Earl Grey"),
              "Individually wrapped tea bags.", "50201712"),
            F("Sugar sticks, 4 g, box of 1000", "BX", "14.20", "Roastery Nord", ("white", "brown"),
              "Paper sticks for coffee stations.", "50161509"),
        )),
        Leaf("drinks", "Water & drinks", "Bottled water and soft drinks.", (
            F("Mineral water, 0.5 l, case of 24", "CS", "9.60", "Aqualis", ("still", "sparkling", "medium"),
              "Glass bottles in a returnable crate.", "50202301"),
        )),
        Leaf("tableware", "Disposable tableware", "Cups, plates and cutlery.", (
            F("Paper cups, 200 ml, pack of 100", "PK", "5.20", "Tablewise", ("white", "printed"),
              "For hot and cold drinks; plastic-free lining.", "52151502"),
            F("Wooden cutlery set, pack of 250", "PK", "12.80", "Tablewise", ("forks", "knives", "spoons", "teaspoons"),
              "Birch wood cutlery from FSC certified forests.", "52151501"),
        )),
    )),
)
