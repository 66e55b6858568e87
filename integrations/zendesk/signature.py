"""Zendesk webhook signatures, as Zendesk documents them ("Verifying webhook authenticity"):

    X-Zendesk-Webhook-Signature           = base64(HMAC-SHA256(signing secret, timestamp + raw body))
    X-Zendesk-Webhook-Signature-Timestamp = the timestamp signed, ISO 8601 UTC (2021-07-25T10:00:00Z)

The secret is used as the text Zendesk shows (not base64-decoded). A timestamp further than the tolerance
from now is refused, so a captured delivery cannot be replayed later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime

from integrations.errors import BadSignature, StaleEvent

SIGNATURE_HEADER = "X-Zendesk-Webhook-Signature"
TIMESTAMP_HEADER = "X-Zendesk-Webhook-Signature-Timestamp"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: datetime, tolerance_s: float) -> None:
    """Raise BadSignature unless the headers sign `body` with `secret`; StaleEvent when the signed
    timestamp is more than tolerance_s away from now. `headers` must look names up case-insensitively."""
    signature, timestamp = headers.get(SIGNATURE_HEADER), headers.get(TIMESTAMP_HEADER)
    if not signature or not timestamp:
        raise BadSignature(f"The webhook has no {SIGNATURE_HEADER} / {TIMESTAMP_HEADER} header: it did not come "
                           "from Zendesk, or the webhook has no signing secret.")
    if not hmac.compare_digest(sign(secret, timestamp, body), signature.strip()):
        raise BadSignature("The webhook signature does not match its body: check DEFLECT_ZENDESK_WEBHOOK_SECRET "
                           "against the webhook's signing secret in Zendesk.")
    try:
        at = datetime.fromisoformat(timestamp.strip())
    except ValueError as e:
        raise BadSignature(f"The webhook timestamp {timestamp!r} is not an ISO 8601 time.") from e
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    skew = abs((now - at).total_seconds())
    if skew > tolerance_s:
        raise StaleEvent(f"The webhook was signed {skew:.0f}s away from now (tolerance {tolerance_s:.0f}s): a "
                         "replayed or delayed delivery, or a clock out of sync. Check the server's clock, or raise "
                         "DEFLECT_HELPDESK_SIGNATURE_TOLERANCE_S.")
