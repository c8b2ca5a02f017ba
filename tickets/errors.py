"""Domain errors: services raise these; pages show the message, the API maps them to JSON."""


class DomainError(Exception):
    status_code = 400
    default_code = "invalid"

    def __init__(self, message, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.field = field


class PermissionDenied(DomainError):
    status_code = 403
    default_code = "permission_denied"


class NotFound(DomainError):
    status_code = 404
    default_code = "not_found"


class Conflict(DomainError):
    status_code = 409
    default_code = "conflict"


class TransitionNotAllowed(Conflict):
    default_code = "transition_not_allowed"
