"""Provider settings from the environment, build_generator wiring, and the errors that say what to set."""

from __future__ import annotations

import sys

import pytest

from assistant.generation import GenerationRequest
from assistant.providers import GenerationUnavailable, MissingAPIKey, ProviderUnavailable, build_generator

pytestmark = pytest.mark.unit


def test_comma_lists_from_env(psettings, monkeypatch):
    monkeypatch.setenv("DEFLECT_LLM_FALLBACKS", "openai, local")
    monkeypatch.setenv("DEFLECT_LLM_DISABLED_PROVIDERS", '["openai"]')
    monkeypatch.setenv("DEFLECT_OPENAI_API_KEY", "sk-test")
    s = psettings()
    assert s.llm_fallbacks == ["openai", "local"] and s.llm_disabled_providers == ["openai"]
    assert s.openai_api_key.get_secret_value() == "sk-test" and "sk-test" not in repr(s)


def test_unknown_provider_is_rejected(psettings):
    with pytest.raises(ValueError, match="unknown provider"):
        psettings(llm_fallbacks=["gpt5"])
    with pytest.raises(ProviderUnavailable, match="Unknown LLM provider"):
        build_generator(psettings(), provider="gpt5")


def test_chain_from_settings_and_per_call_override(psettings):
    from assistant.generation import Generator

    s = psettings(assistant_provider="openai", llm_fallbacks=["local"])
    gen = build_generator(s)
    assert isinstance(gen, Generator) and gen.chain == ["openai", "local"]
    assert build_generator(s, provider="local").chain == ["local"]
    assert build_generator(psettings()).chain == [], "default is extractive: no LLM"


def test_building_touches_nothing(psettings):
    s = psettings(assistant_provider="openai")
    build_generator(s)
    assert not s.data_dir.exists(), "no database is opened before the first request"


def test_openai_key_required_only_for_openai_com(psettings):
    from assistant.providers.openai_compat import make_chat_openai

    with pytest.raises(MissingAPIKey, match="DEFLECT_OPENAI_API_KEY"):
        make_chat_openai(psettings(openai_base_url="https://api.openai.com/v1"))
    chat = make_chat_openai(psettings(openai_base_url="http://127.0.0.1:8080/v1"))
    assert chat.max_retries == 0 and chat.openai_api_base == "http://127.0.0.1:8080/v1"


def test_missing_key_becomes_a_skip_reason(psettings):
    s = psettings(assistant_provider="openai", llm_fallbacks=[], openai_base_url="https://api.openai.com/v1")
    gen = build_generator(s)
    assert "DEFLECT_OPENAI_API_KEY" in gen.warm_up()["openai"]
    with pytest.raises(GenerationUnavailable, match="DEFLECT_OPENAI_API_KEY"):
        gen.generate(GenerationRequest(system="s", user="u", request_id="r"))


def test_missing_llama_cpp_says_how_to_install(psettings, monkeypatch, tmp_path):
    from assistant.providers.local import load_model

    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # import now fails as on a machine without the extra
    with pytest.raises(ProviderUnavailable, match="make setup LLM=local"):
        load_model(str(tmp_path / "absent.gguf"), 2048, 1)
    s = psettings(assistant_provider="local", local_model_path=tmp_path / "absent.gguf")
    with pytest.raises(GenerationUnavailable, match="make setup LLM=local"):
        build_generator(s).generate(GenerationRequest(system="s", user="u", request_id="r"))
