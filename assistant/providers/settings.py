"""Provider settings: moved to assistant.provider_settings, so that importing the settings does not
import this package (the provider chain, langchain, sqlite-utils). Re-exported here for old imports."""

from assistant.provider_settings import CommaList, ProviderName, ProviderSettings

__all__ = ["CommaList", "ProviderName", "ProviderSettings"]
