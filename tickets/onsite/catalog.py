"""What an engineer picks from on site, per appliance category: faults (with the usual
difficulty, which sets the labour fee), causes, and the test-run checklist before sign-off.
Codes are stored; labels are translated when shown."""

from django.utils.translation import gettext_lazy as _

from tickets.choices import ApplianceCategory as C
from tickets.choices import FaultClass as F

# category -> [(code, label, usual fault class)]
FAULTS: dict[str, list[tuple[str, object, str]]] = {
    C.FRIDGE: [
        ("not_cooling", _("Not cooling"), F.STANDARD),
        ("noise", _("Abnormal noise"), F.SIMPLE),
        ("water_leak", _("Water leak"), F.STANDARD),
        ("frost", _("Heavy frost / ice build-up"), F.STANDARD),
        ("compressor", _("Compressor does not start"), F.COMPLEX),
        ("display", _("Display or control fault"), F.STANDARD),
    ],
    C.AIR_CONDITIONER: [
        ("not_cooling", _("Not cooling or heating"), F.STANDARD),
        ("refrigerant_leak", _("Refrigerant leak"), F.COMPLEX),
        ("water_drip", _("Indoor unit drips water"), F.SIMPLE),
        ("error_code", _("Shows an error code"), F.STANDARD),
        ("noise", _("Abnormal noise"), F.SIMPLE),
    ],
    C.WASHER: [
        ("no_drain", _("Does not drain"), F.SIMPLE),
        ("no_spin", _("Does not spin"), F.STANDARD),
        ("leak", _("Water leak"), F.STANDARD),
        ("door_lock", _("Door will not lock or open"), F.SIMPLE),
        ("motor", _("Motor fault"), F.COMPLEX),
    ],
    C.WATER_HEATER: [
        ("no_heat", _("No hot water"), F.STANDARD),
        ("leak", _("Tank or fitting leak"), F.STANDARD),
        ("ignition", _("Ignition fault (gas)"), F.COMPLEX),
        ("earth_leak", _("Earth leakage trips"), F.COMPLEX),
    ],
    C.TV: [
        ("no_picture", _("No picture"), F.STANDARD),
        ("no_power", _("Does not power on"), F.STANDARD),
        ("panel", _("Panel lines or cracks"), F.COMPLEX),
        ("no_signal", _("No signal / settings"), F.SIMPLE),
    ],
}

COMMON_CAUSES: list[tuple[str, object]] = [
    ("misuse", _("Misuse or installation")),
    ("wear", _("Normal wear")),
    ("defect", _("Manufacturing defect")),
    ("power", _("Mains power or wiring")),
    ("external", _("External damage")),
]
CAUSES: dict[str, list[tuple[str, object]]] = {
    C.FRIDGE: [
        ("thermostat", _("Thermostat or sensor failed")),
        ("gas_leak", _("Refrigerant leak")),
        ("fan", _("Fan motor failed")),
        ("door_seal", _("Door seal worn")),
        ("main_board", _("Main board failed")),
    ],
    C.AIR_CONDITIONER: [
        ("gas_leak", _("Refrigerant leak")),
        ("capacitor", _("Capacitor failed")),
        ("drain_blocked", _("Drain pipe blocked")),
        ("main_board", _("Main board failed")),
        ("filter", _("Filter clogged")),
    ],
    C.WASHER: [
        ("pump", _("Drain pump blocked or failed")),
        ("belt", _("Drive belt worn")),
        ("door_switch", _("Door lock switch failed")),
        ("hose", _("Hose or seal damaged")),
        ("main_board", _("Main board failed")),
    ],
    C.WATER_HEATER: [
        ("element", _("Heating element failed")),
        ("anode", _("Anode rod exhausted")),
        ("igniter", _("Igniter or flame sensor failed")),
        ("valve", _("Valve failed")),
    ],
    C.TV: [
        ("power_board", _("Power board failed")),
        ("backlight", _("Backlight failed")),
        ("panel", _("Panel damaged")),
        ("settings", _("Settings or firmware")),
    ],
}

CHECKLISTS: dict[str, list[tuple[str, object]]] = {
    C.FRIDGE: [
        ("powers_on", _("Unit powers on, lights and display work")),
        ("compressor_runs", _("Compressor starts and runs quietly")),
        ("cools", _("Temperature is falling in both compartments")),
        ("door_seals", _("Doors close and seal")),
    ],
    C.AIR_CONDITIONER: [
        ("powers_on", _("Unit powers on with the remote")),
        ("cools_heats", _("Outlet air cools or heats within 10 minutes")),
        ("no_leak", _("No water drip from the indoor unit")),
        ("no_noise", _("No abnormal noise")),
    ],
    C.WASHER: [
        ("fills", _("Fills with water")),
        ("spins", _("Drum turns and spins")),
        ("drains", _("Drains completely")),
        ("no_leak", _("No leak around door and hoses")),
    ],
    C.WATER_HEATER: [
        ("heats", _("Water heats to the set temperature")),
        ("no_leak", _("No leak at tank and fittings")),
        ("safety", _("Earth leakage protection tested")),
    ],
    C.TV: [
        ("powers_on", _("Powers on and shows a picture")),
        ("sound", _("Sound works")),
        ("inputs", _("Inputs and signal work")),
    ],
}


def faults_for(category: str) -> list[tuple[str, object, str]]:
    return FAULTS.get(category, [])


def causes_for(category: str) -> list[tuple[str, object]]:
    return CAUSES.get(category, []) + COMMON_CAUSES


def checklist_for(category: str) -> list[tuple[str, object]]:
    return CHECKLISTS.get(category, [("works", _("Appliance works as expected"))])


def fault_label(category: str, code: str) -> str:
    for c, label, _cls in faults_for(category):
        if c == code:
            return str(label)
    return code


def cause_label(category: str, code: str) -> str:
    for c, label in causes_for(category):
        if c == code:
            return str(label)
    return code


def usual_fault_class(category: str, code: str) -> str | None:
    for c, _label, cls in faults_for(category):
        if c == code:
            return cls
    return None
