"""Optional TOTP second factor (django-otp devices)."""

from __future__ import annotations

import base64
import io

import segno
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from guanxi.accounts.models import User


def totp_device(user: User, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).first()


def totp_required(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()  # type: ignore[no-any-return]


def totp_verify(user: User, code: str) -> bool:
    """Check a code against the user's confirmed device; a code is accepted once (replay-safe)."""
    device = totp_device(user)
    code = code.strip().replace(" ", "")
    return device is not None and code.isdigit() and bool(device.verify_token(code))


# --- setting up and turning off the second factor (the settings page) -----------


def totp_setup_begin(user: User) -> TOTPDevice:
    """The user's unconfirmed device, created with a fresh secret when there is none."""
    device = totp_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Guanxi", confirmed=False)
    return device


@transaction.atomic
def totp_setup_confirm(user: User, code: str) -> bool:
    """Confirm the unconfirmed device with a code from the app; it then replaces any older device."""
    device = totp_device(user, confirmed=False)
    code = code.strip().replace(" ", "")
    if device is None or not code.isdigit() or not device.verify_token(code):
        return False
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True


@transaction.atomic
def totp_disable(user: User, password: str) -> bool:
    """Remove every TOTP device of the user, after checking their password."""
    if not user.check_password(password):
        return False
    TOTPDevice.objects.filter(user=user).delete()
    return True


def totp_secret_base32(device: TOTPDevice) -> str:
    """The secret as authenticator apps show it, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def totp_qr_data_uri(device: TOTPDevice) -> str:
    """The provisioning URL as an SVG QR code in a ``data:`` URI (allowed by the CSP's img-src)."""
    buffer = io.BytesIO()
    segno.make(device.config_url, error="m").save(buffer, kind="svg", scale=6, border=2, xmldecl=False)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()
