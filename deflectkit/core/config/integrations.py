"""Help-desk integration settings, one area of deflectkit.core.config.Settings (env prefix DEFLECT_).

Secrets (the API token, the webhook signing secret) come from env vars only; integrations/ says which
variable to set when one is missing.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr

from deflectkit.core.config.base import DataDir


class IntegrationSettings(DataDir):
    helpdesk_db: str = Field(
        "helpdesk.db", description="Help-desk SQLite file (ticket <-> request mapping, note outbox): a name "
        "(put under data_dir) or a path.")
    helpdesk_retries: int = Field(3, ge=0, description="Extra attempts per help-desk API call after the first one; "
                                  "then the note waits in the outbox for `deflect helpdesk replay`.")
    helpdesk_backoff_s: float = Field(0.5, ge=0, description="First wait between help-desk API attempts; doubles "
                                      "each retry.")
    helpdesk_timeout_s: float = Field(10.0, gt=0, description="Timeout of one help-desk API request, in seconds.")
    helpdesk_stale_after_s: float = Field(
        600.0, gt=0, description="A note a crashed process left half done this many seconds ago is taken up "
        "again: 'drafting' by the help desk's redelivery of the event, 'posting' by `deflect helpdesk replay` "
        "(a note may then be posted twice, never lost).")
    helpdesk_signature_tolerance_s: float = Field(
        300.0, gt=0, description="Webhooks whose signed timestamp is further than this from now, in seconds, are "
        "refused (replay protection).")
    zendesk_subdomain: str | None = Field(
        None, description="Your Zendesk subdomain: acme for https://acme.zendesk.com.")
    zendesk_base_url: str | None = Field(
        None, description="Zendesk API base URL; overrides zendesk_subdomain (a proxy, or a local fake in tests).")
    zendesk_email: str | None = Field(
        None, description="Email of the Zendesk agent the notes are posted as (API token auth: email/token).")
    zendesk_api_token: SecretStr | None = Field(
        None, description="Zendesk API token (Admin Center > Apps and integrations > Zendesk API).")
    zendesk_webhook_secret: SecretStr | None = Field(
        None, description="Signing secret of the Zendesk webhook; every delivery's signature is checked with it.")

    @property
    def helpdesk_db_path(self) -> Path:
        p = Path(self.helpdesk_db)
        if p.is_absolute() or p.parent != Path("."):
            return p
        return Path(self.data_dir) / p
