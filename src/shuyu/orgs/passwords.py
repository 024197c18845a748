"""Password rules beyond Django's (等保 L3-CES1-01, SEC-AUTH-1a): at least three character classes."""

from django.core.exceptions import ValidationError

_CLASSES = (
    ("小写字母", "lower-case letters", str.islower),
    ("大写字母", "upper-case letters", str.isupper),
    ("数字", "digits", str.isdigit),
    ("符号", "symbols", lambda c: not c.isalnum()),
)


def character_classes(password: str) -> int:
    """How many of lower case, upper case, digits and symbols the password uses."""
    return sum(any(test(c) for c in password) for _, _, test in _CLASSES)


class CharacterClassesValidator:
    """At least `min_classes` of the four classes (the practice assessors look for: 3 of 4)."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                f"密码须至少包含小写字母、大写字母、数字、符号中的{self.min_classes}类 / "
                f"a password needs at least {self.min_classes} of lower case, upper case, digits and symbols",
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return f"至少包含小写字母、大写字母、数字、符号中的{self.min_classes}类"
