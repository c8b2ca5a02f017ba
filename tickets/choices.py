"""Shared vocabularies of the trade, used by every app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ApplianceCategory(models.TextChoices):
    FRIDGE = "fridge", _("Refrigerator")
    AIR_CONDITIONER = "ac", _("Air conditioner")
    WASHER = "washer", _("Washing machine")
    WATER_HEATER = "water_heater", _("Water heater")
    TV = "tv", _("Television")


class FaultClass(models.TextChoices):
    """How hard the fault is: sets the labour fee and the certification needed."""

    SIMPLE = "simple", _("Simple")
    STANDARD = "standard", _("Standard")
    COMPLEX = "complex", _("Complex")


class AreaType(models.TextChoices):
    URBAN = "urban", _("Urban")
    RURAL = "rural", _("Rural")


class Priority(models.TextChoices):
    EMERGENCY = "emergency", _("Emergency")
    NORMAL = "normal", _("Normal")
    APPOINTMENT = "appointment", _("Appointment")


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("Hotline")
    WEB = "web", _("Web self-service")
    PARTNER_API = "partner_api", _("Partner API")
    STORE = "store", _("Store")
    IOT_ALARM = "iot_alarm", _("IoT alarm")
    ENGINEER_VISIT = "engineer_visit", _("Found by the engineer on a visit")


class PurchaseChannel(models.TextChoices):
    ONLINE = "online", _("Online shop")
    STORE = "store", _("Retail store")
    PROJECT = "project", _("Project / developer")
    RETAILER_DELIVERY = "retailer_delivery", _("Retailer, delivered and installed")
    OTHER = "other", _("Other")


class Component(models.TextChoices):
    WHOLE_UNIT = "whole_unit", _("Whole unit")
    COMPRESSOR = "compressor", _("Compressor")
    MAIN_BOARD = "main_board", _("Main board")
    MOTOR = "motor", _("Motor")
    HEATING_ELEMENT = "heating_element", _("Heating element")
    PANEL = "panel", _("Display panel")


def labour_label(fault_class: str) -> str:
    """A labour line's words in the reader's language: "Labour (Standard repair)". Raises
    ValueError for an unknown fault class."""
    return f"{_('Labour')} ({FaultClass(fault_class).label})"
