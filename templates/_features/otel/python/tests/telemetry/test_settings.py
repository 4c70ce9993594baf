import pytest
from pydantic import ValidationError

from app.telemetry.sdk import sampler
from app.telemetry.settings import DEFAULT_SERVICE_NAME, OtelSettings


def settings(**values: object) -> OtelSettings:
    return OtelSettings(_env_file=None, **values)  # type: ignore[arg-type]


def test_nothing_is_exported_without_an_endpoint() -> None:
    assert settings().traces_endpoint is None


def test_the_general_endpoint_gets_the_traces_path_and_the_traces_one_is_taken_as_is() -> None:
    assert (
        settings(otel_exporter_otlp_endpoint="http://127.0.0.1:4318/").traces_endpoint
        == "http://127.0.0.1:4318/v1/traces"
    )
    assert (
        settings(otel_exporter_otlp_traces_endpoint="http://c:4318/custom").traces_endpoint
        == "http://c:4318/custom"
    )


def test_switches_turn_tracing_and_metrics_off() -> None:
    endpoint = {"otel_exporter_otlp_endpoint": "http://127.0.0.1:4318"}
    assert settings(**endpoint, otel_sdk_disabled=True).traces_endpoint is None
    assert settings(**endpoint, otel_traces_exporter="none").traces_endpoint is None
    assert not settings(otel_sdk_disabled=True).metrics_enabled
    assert not settings(otel_metrics_exporter="none").metrics_enabled


def test_metrics_port_per_role_free_under_test_and_as_set_when_set() -> None:
    assert settings(environment="production").metrics_port("api") == 9464
    assert settings(environment="production").metrics_port("worker") == 9465
    assert settings(environment="test").metrics_port("api") == 0
    chosen = settings(environment="test", otel_exporter_prometheus_port=9100)
    assert chosen.metrics_port("api") == chosen.metrics_port("worker") == 9100


def test_service_name_per_process_role() -> None:
    assert settings().service_name("api") == DEFAULT_SERVICE_NAME
    assert settings().service_name("worker") == f"{DEFAULT_SERVICE_NAME}-worker"
    assert settings(otel_service_name="billing").service_name("worker") == "billing-worker"


def test_empty_values_count_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
    monkeypatch.setenv("OTEL_EXPORTER_PROMETHEUS_PORT", "")
    loaded = settings(environment="production")
    assert loaded.traces_endpoint is None
    assert loaded.metrics_port("api") == 9464


def test_invalid_values_are_refused() -> None:
    with pytest.raises(ValidationError, match="otel_exporter_otlp_endpoint"):
        settings(otel_exporter_otlp_endpoint="not a url")
    with pytest.raises(ValidationError, match="otel_traces_sampler_arg"):
        settings(otel_traces_sampler_arg=2)


def test_sampler_is_parent_based_ratio_when_asked() -> None:
    chosen = sampler(
        settings(otel_traces_sampler="parentbased_traceidratio", otel_traces_sampler_arg=0.1)
    )
    assert "ParentBased" in chosen.get_description()
    assert "0.1" in chosen.get_description()
    assert "AlwaysOnSampler" in sampler(settings()).get_description()
