"""Optional TOTP second factor (django-otp devices)."""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice

from guanxi.accounts.models import User


def totp_device(user: User, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).first()  # type: ignore[no-any-return]


def totp_required(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()  # type: ignore[no-any-return]


def totp_verify(user: User, code: str) -> bool:
    """Check a code against the user's confirmed device; a code is accepted once (replay-safe)."""
    device = totp_device(user)
    code = code.strip().replace(" ", "")
    return device is not None and code.isdigit() and bool(device.verify_token(code))
