"""UI settings, one area of deflectkit.core.config.Settings (env prefix DEFLECT_)."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from deflectkit.core.config.feedback import Role
from deflectkit.core.config.providers import CommaList, split_commas


class UiSettings(BaseModel):
    ui_upload_max_mb: int = Field(
        50,
        gt=0,
        description="Largest file, in MB, the admin page accepts for upload (Streamlit maxUploadSize).",
    )
    ui_replay_limit: int = Field(
        50, gt=0, description="Most interactions one replay on the evaluator page re-runs (newest first)."
    )
    ui_session_hours: float = Field(
        12.0,
        gt=0,
        description="Hours a sign-in lasts, page reloads included (a cookie holds a random token; the "
        "user and role are re-read on every action).",
    )
    ui_require_origin: bool = Field(
        True,
        description="Refuse app sessions whose websocket request has no Origin header (browsers always "
        "send one; a raw script need not).",
    )
    ui_link_domains: CommaList = Field(
        default_factory=list,
        description="Domains the UI may link to (article links, 'Open article'); subdomains included. "
        "Empty = the domains of the help center's own article URLs. Only http(s) links are ever shown.",
    )
    trusted_proxies: CommaList = Field(
        ["127.0.0.1", "::1"],
        description="Addresses or networks (CIDR) of the SSO proxy: DEFLECT_TRUSTED_USER_HEADER is "
        "believed only on connections from them, and so is X-Forwarded-For (the caller's address that "
        "wrong API keys count against).",
    )
    trusted_max_role: Role = Field(
        "agent",
        description="Highest role a DEFLECT_TRUSTED_ROLE_HEADER value can grant (agent < evaluator < admin); "
        "higher claims are lowered to it.",
    )
    trusted_header_password_accounts: bool = Field(
        False,
        description="Let the SSO header sign in as a local account that has a password (off: that "
        "account signs in with its password only).",
    )

    @field_validator("ui_link_domains", "trusted_proxies", mode="before")
    @classmethod
    def _split_ui_lists(cls, v):  # a name of its own: Settings composes the mixins' validators by name
        return split_commas(v)

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, v: list[str]) -> list[str]:
        import ipaddress

        for entry in v:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError as e:
                raise ValueError(f"{entry!r} is not an IP address or network (e.g. 10.0.0.5 or 10.0.0.0/24)") from e
        return v
