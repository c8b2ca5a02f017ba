"""How a customer's mobile number is shown to someone who need not see all of it (desk
lists, the service report, the customer's copy): one rule, used everywhere."""


def national_number(mobile: str) -> str:
    return mobile[3:] if mobile.startswith("+86") else mobile.lstrip("+")


def mobile_masked(mobile: str) -> str:
    """ "+8613912345678" -> "139****5678"; anything too short to mask -> "****"."""
    n = national_number(mobile or "")
    return f"{n[:3]}****{n[-4:]}" if len(n) >= 8 else "****"
